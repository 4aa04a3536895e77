// DESIGN §7 for models: undecodable bytes give an OnnxFormatException that says where, an unsupported operator a
// ModelException naming node, op and opset, external data outside the model's folder is refused, and an input of
// the wrong shape or type is reported as expected vs actual.
using Google.Protobuf;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Engine.Tests.Data;

namespace Neutron.Engine.Tests.Onnx;

public class BadInputTests
{
    private static byte[] Lenet5 => File.ReadAllBytes(SharedData.Path("models", "lenet5.onnx"));

    [Fact]
    public void Truncated_model_says_offset_and_field()
    {
        var bytes = Lenet5;
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(bytes[..(bytes.Length / 2)], null, "lenet5.onnx"));
        Assert.Contains("lenet5.onnx", e.Message);
        Assert.Matches(@"truncated .* at offset \d+ in ModelProto\.graph", e.Message);
    }

    [Fact]
    public void Truncation_inside_a_node_names_the_node()
    {
        var bytes = OnnxWriter.ToProto(TinyModels.Cnn()).ToByteArray();
        // Make the fc node's op_type ("Gemm", length byte just before it) claim 127 bytes: more than its node holds.
        int at = bytes.AsSpan().IndexOf("Gemm"u8);
        Assert.Equal(4, bytes[at - 1]);
        bytes[at - 1] = 127;
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(bytes));
        Assert.Contains($"truncated length-delimited field at offset {at - 2} in ModelProto.graph.node[5] ('fc').op_type", e.Message);
    }

    [Fact]
    public void Garbage_is_a_format_error()
    {
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(garbage, null, "noise.onnx"));
        Assert.Contains("noise.onnx", e.Message);
        Assert.Contains(" at offset ", e.Message);
        Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse("hello, I am not a model"u8.ToArray()));
    }

    [Fact]
    public void Unsupported_operator_names_node_op_and_opset()
    {
        var model = TinyModels.Cnn(opset: 11);
        model.Nodes[2] = TinyModels.Node("mystery", "FancyActivation", ["n"], ["a"]);
        var e = Assert.Throws<ModelException>(() => new InferenceSession(model));
        Assert.Equal(ModelErrorCode.UnsupportedOperator, e.Code);
        Assert.Contains("mystery", e.Message);
        Assert.Contains("FancyActivation", e.Message);
        Assert.Contains("opset 11", e.Message);
    }

    [Fact]
    public void Attribute_out_of_range_is_a_model_error()
    {
        var model = TinyModels.Cnn();
        model.Nodes[0] = TinyModels.Node("conv", "Conv", ["x", "w1", "b1"], ["c"], new() { ["group"] = 1L << 40 });
        var e = Assert.Throws<ModelException>(() => new InferenceSession(model));
        Assert.Contains("conv", e.Message);
    }

    [Fact]
    public void External_data_outside_the_model_folder_is_refused()
    {
        using var dir = new TempDir();
        string folder = Directory.CreateDirectory(dir.File("model")).FullName;
        File.WriteAllBytes(dir.File("x"), new byte[4 * 18 * 4]); // exists, so only the location can be the reason
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        var w2 = proto.Graph.Initializer.Single(t => t.Name == "w2");
        w2.ClearRawData();
        w2.DataLocation = 1;
        w2.ExternalData.Add(new Neutron.Engine.Onnx.Proto.StringStringEntryProto { Key = "location", Value = "../x" });
        string path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        var e = Assert.Throws<ModelException>(() => OnnxReader.Load(path));
        Assert.Equal(ModelErrorCode.ExternalData, e.Code);
        Assert.Contains("outside the model's folder", e.Message);
        Assert.Contains("w2", e.Message);

        // The same data beside the model loads.
        File.Copy(dir.File("x"), Path.Combine(folder, "x"));
        w2.ExternalData[0].Value = "x";
        File.WriteAllBytes(path, proto.ToByteArray());
        Assert.Equal([4, 18], OnnxReader.Load(path).Initializers["w2"].Shape);
    }

    [Fact]
    public void Absolute_external_location_is_refused()
    {
        using var dir = new TempDir();
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        var b2 = proto.Graph.Initializer.Single(t => t.Name == "b2");
        b2.ClearRawData();
        b2.DataLocation = 1;
        b2.ExternalData.Add(new Neutron.Engine.Onnx.Proto.StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        File.WriteAllBytes(dir.File("m.onnx"), proto.ToByteArray());
        var e = Assert.Throws<ModelException>(() => OnnxReader.Load(dir.File("m.onnx")));
        Assert.Equal(ModelErrorCode.ExternalData, e.Code);
    }

    [Fact]
    public void Wrong_input_shape_or_type_says_expected_and_actual()
    {
        var session = new InferenceSession(TinyModels.Cnn());
        var shape = Assert.Throws<ModelException>(() => session.Run(Tensor.Zeros(DataType.Float, 2, 1, 7, 6)));
        Assert.Equal(ModelErrorCode.InputMismatch, shape.Code);
        Assert.Contains("expected float32[N,1,6,6]", shape.Message);
        Assert.Contains("got float32[2,1,7,6]", shape.Message);
        var type = Assert.Throws<ModelException>(() => session.Run(Tensor.Zeros(DataType.Int64, 1, 1, 6, 6)));
        Assert.Contains("expected float32[N,1,6,6]", type.Message);
        Assert.Contains("got int64[1,1,6,6]", type.Message);
        var name = Assert.Throws<ModelException>(() => session.Run(new Dictionary<string, Tensor> { ["image"] = Tensor.Zeros(DataType.Float, 1, 1, 6, 6) }));
        Assert.Contains("'image'", name.Message);
        Assert.Contains("'x'", name.Message);
    }

    [Fact]
    public void Tiny_model_round_trips_and_runs()
    {
        var bytes = OnnxWriter.ToProto(TinyModels.Cnn()).ToByteArray();
        var y = new InferenceSession(OnnxReader.Parse(bytes)).Run(Tensor.Zeros(DataType.Float, 3, 1, 6, 6));
        Assert.Equal([3, 4], y.Shape);
    }
}
