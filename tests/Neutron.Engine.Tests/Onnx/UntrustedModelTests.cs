// Models from untrusted hands: external data that escapes the model's folder through symbolic links, FIFOs and
// other non-regular files, graphs that are malformed in ways no operator notices (no outputs, extra node inputs,
// integer weights, impossible dimensions, duplicate names), and sizes past the engine's limits. Each must be
// refused at load with a ModelException or FormatException (exit 3), quickly, without reading outside the folder
// or revealing anything about a file there.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;
using Neutron.Engine.Tests.Data;

namespace Neutron.Engine.Tests.Onnx;

public partial class UntrustedModelTests
{
    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    internal static bool MakeFifo(string path) => OperatingSystem.IsLinux() && MkFifo(path, 0x180) == 0;

    /// <summary>The tiny CNN with w2 (4×18 floats, 288 bytes) moved to external data at <paramref name="location"/>.</summary>
    internal static ModelProto WithExternalW2(string location, long? offset = null, long? length = null)
    {
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        var w2 = proto.Graph.Initializer.Single(t => t.Name == "w2");
        w2.ClearRawData();
        w2.DataLocation = 1;
        w2.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is { } o) w2.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = o.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (length is { } l) w2.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = l.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return proto;
    }

    private static ModelException LoadRefused(TempDir dir, ModelProto proto)
    {
        string folder = Directory.CreateDirectory(dir.File("model")).FullName;
        string path = Path.Combine(folder, "m.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        var e = Assert.Throws<ModelException>(() => OnnxReader.Load(path));
        Assert.Equal(ModelErrorCode.ExternalData, e.Code);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    // A secret outside the model's folder, 288 bytes so a size check alone would let it through.
    private static string Secret(TempDir dir)
    {
        string secret = dir.File("secret.bin");
        File.WriteAllBytes(secret, Enumerable.Range(0, 288).Select(i => (byte)i).ToArray());
        return secret;
    }

    [Fact]
    public void Symlink_to_a_file_outside_the_folder_is_refused()
    {
        using var dir = new TempDir();
        string secret = Secret(dir);
        Directory.CreateDirectory(dir.File("model"));
        File.CreateSymbolicLink(dir.File("model/w2.bin"), secret);
        var e = LoadRefused(dir, WithExternalW2("w2.bin"));
        Assert.Contains("outside the model's folder", e.Message);
        Assert.DoesNotContain("secret", e.Message);
        Assert.DoesNotContain("288", e.Message);

        // An absolute symlink to a system file and a relative one climbing out are refused the same way.
        File.Delete(dir.File("model/w2.bin"));
        File.CreateSymbolicLink(dir.File("model/w2.bin"), "../secret.bin");
        Assert.Contains("outside the model's folder", LoadRefused(dir, WithExternalW2("w2.bin")).Message);
        File.Delete(dir.File("model/w2.bin"));
        File.CreateSymbolicLink(dir.File("model/w2.bin"), "/etc/passwd");
        Assert.Contains("outside the model's folder", LoadRefused(dir, WithExternalW2("w2.bin")).Message);
    }

    [Fact]
    public void Symlinked_directory_leading_outside_is_refused()
    {
        using var dir = new TempDir();
        Secret(dir);
        Directory.CreateDirectory(dir.File("model"));
        Directory.CreateSymbolicLink(dir.File("model/data"), dir.Path);
        var e = LoadRefused(dir, WithExternalW2("data/secret.bin"));
        Assert.Contains("outside the model's folder", e.Message);
        // A chain of links that ends back inside a sibling of the folder is still outside.
        Directory.CreateDirectory(dir.File("other"));
        File.Copy(dir.File("secret.bin"), dir.File("other/w.bin"));
        Directory.CreateSymbolicLink(dir.File("model/hop"), "data/other");
        Assert.Contains("outside the model's folder", LoadRefused(dir, WithExternalW2("hop/w.bin")).Message);
    }

    [Fact]
    public void Symlinks_that_stay_inside_the_folder_load()
    {
        using var dir = new TempDir();
        string folder = Directory.CreateDirectory(dir.File("model")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "weights"));
        File.WriteAllBytes(Path.Combine(folder, "weights", "w2.bin"), new byte[288]);
        File.CreateSymbolicLink(Path.Combine(folder, "link.bin"), "weights/w2.bin");
        Directory.CreateSymbolicLink(Path.Combine(folder, "alias"), "weights");
        // The model's folder itself reached through a symlink is fine: both sides are compared as real paths.
        Directory.CreateSymbolicLink(dir.File("via"), folder);
        foreach (var location in new[] { "link.bin", "alias/w2.bin", "./weights/w2.bin" })
        {
            File.WriteAllBytes(Path.Combine(folder, "m.onnx"), WithExternalW2(location).ToByteArray());
            Assert.Equal([4, 18], OnnxReader.Load(dir.File("via/m.onnx")).Initializers["w2"].Shape);
        }
    }

    [Fact]
    public async Task Fifo_in_the_folder_is_refused_without_blocking()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model"));
        if (!MakeFifo(dir.File("model/w2.bin"))) return; // not Linux: nothing to test
        var clock = Stopwatch.StartNew();
        var load = Task.Run(() => LoadRefused(dir, WithExternalW2("w2.bin")));
        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) == load, "loading a model whose external data is a FIFO blocked");
        Assert.Contains("not a regular file", (await load).Message);
        // And a symlink to the FIFO.
        File.CreateSymbolicLink(dir.File("model/link"), "w2.bin");
        Assert.Contains("not a regular file", LoadRefused(dir, WithExternalW2("link")).Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Socket_as_external_data_and_fifo_as_model_file_are_refused_without_blocking()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model"));
        if (!OperatingSystem.IsLinux()) return;
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(dir.File("model/w2.bin")));
            Assert.Contains("not a regular file", LoadRefused(dir, WithExternalW2("w2.bin")).Message);
        }
        Assert.True(MakeFifo(dir.File("fifo.onnx")));
        var load = Task.Run(() => Assert.Throws<FormatException>(() => OnnxReader.Load(dir.File("fifo.onnx"))));
        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) == load, "loading a FIFO as the model blocked");
        Assert.Contains("not a regular file", (await load).Message);
        Assert.Contains("is a directory", Assert.Throws<FormatException>(() => OnnxReader.Load(dir.File("model"))).Message);
    }

    [Fact]
    public void Directories_devices_nul_dotdot_and_absolute_locations_are_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model/sub"));
        Assert.Contains("directory", LoadRefused(dir, WithExternalW2("sub")).Message);
        Assert.Contains("NUL", LoadRefused(dir, WithExternalW2("w2.bin\0/../../etc/passwd")).Message);
        Assert.Contains("'..'", LoadRefused(dir, WithExternalW2("sub/../../secret")).Message);
        Assert.Contains("absolute", LoadRefused(dir, WithExternalW2("/dev/zero")).Message);
        if (File.Exists("/dev/zero"))
        {
            File.CreateSymbolicLink(dir.File("model/zero"), "/dev/zero");
            Assert.Contains("outside", LoadRefused(dir, WithExternalW2("zero")).Message);
        }
        Assert.Contains("not found", LoadRefused(dir, WithExternalW2("missing.bin")).Message);
    }

    [Fact]
    public void Short_external_file_is_refused_without_saying_its_size()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model"));
        File.WriteAllBytes(dir.File("model/w2.bin"), new byte[1234]);
        var e = LoadRefused(dir, WithExternalW2("w2.bin", offset: 1000));
        Assert.Contains("shorter", e.Message);
        Assert.DoesNotContain("1234", e.Message);
        Assert.DoesNotContain("234 ", e.Message);
        // A length that disagrees with the tensor's shape is a format error from the model alone.
        string path = dir.File("model/m.onnx");
        File.WriteAllBytes(path, WithExternalW2("w2.bin", length: 100).ToByteArray());
        Assert.Throws<OnnxFormatException>(() => OnnxReader.Load(path));
        // Offset and length inside the file load.
        File.WriteAllBytes(path, WithExternalW2("w2.bin", offset: 16, length: 288).ToByteArray());
        Assert.Equal([4, 18], OnnxReader.Load(path).Initializers["w2"].Shape);
    }

    private static ModelException Refused(Model model)
    {
        var e = Assert.Throws<ModelException>(() => new InferenceSession(model));
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    private static ModelException RefusedBytes(ModelProto proto)
    {
        var bytes = proto.ToByteArray();
        var e = Assert.Throws<ModelException>(() => new InferenceSession(OnnxReader.Parse(bytes, null, "m.onnx")));
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    [Fact]
    public void Graph_without_outputs_is_refused()
    {
        var model = TinyModels.Cnn();
        model.Outputs.Clear();
        Assert.Contains("no outputs", Refused(model).Message);
    }

    [Fact]
    public void Node_with_extra_inputs_is_refused_naming_it()
    {
        var model = TinyModels.Cnn();
        string[] inputs = ["c", "scale", "shift", "mean", "var", .. Enumerable.Repeat("var", 50)];
        model.Nodes[1] = TinyModels.Node("bn", "BatchNormalization", inputs, ["n"]);
        var e = Refused(model);
        Assert.Contains("'bn' (BatchNormalization)", e.Message);
        Assert.Contains("55 inputs", e.Message);
        Assert.Contains("at most 5", e.Message);
    }

    [Fact]
    public void Every_served_operator_has_an_input_count()
    {
        var missing = Neutron.Engine.Operators.OperatorRegistry.SupportedOps
            .Where(op => !Neutron.Engine.Operators.OperatorCatalog.MaxInputCounts.ContainsKey(op)).ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void Integer_conv_bias_is_refused()
    {
        var model = TinyModels.Cnn();
        model.Initializers["b1"] = Tensor.FromLongs(DataType.UInt32, [1, 2], 2);
        var e = Refused(model);
        Assert.Contains("'conv' (Conv)", e.Message);
        Assert.Contains("uint32", e.Message);
        Assert.Equal(ModelErrorCode.UnsupportedDataType, e.Code);
    }

    [Theory]
    [InlineData(-7L)]
    [InlineData(1L << 40)]
    public void Impossible_input_dimension_is_refused(long dim)
    {
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        var d = proto.Graph.Input[0].Type.TensorType.Shape.Dim[2];
        d.DimValue = dim;
        var e = RefusedBytes(proto);
        Assert.Contains($"dimension {dim}", e.Message);
        Assert.Contains("'x'", e.Message);
    }

    [Fact]
    public void Minus_one_dimension_stays_symbolic()
    {
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimValue = -1;
        var session = new InferenceSession(OnnxReader.Parse(proto.ToByteArray()));
        Assert.Equal([2, 4], session.Run(Tensor.Zeros(DataType.Float, 2, 1, 6, 6)).Shape);
    }

    [Fact]
    public void Duplicate_input_output_and_stored_names_are_refused()
    {
        var model = TinyModels.Cnn();
        model.Inputs.Add(model.Inputs[0]);
        Assert.Contains("graph input 'x' is declared twice", Refused(model).Message);

        model = TinyModels.Cnn();
        model.Outputs.Add(model.Outputs[0]);
        Assert.Contains("graph output 'y' is declared twice", Refused(model).Message);

        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        proto.Graph.Initializer.Add(proto.Graph.Initializer[0].Clone());
        var bytes = proto.ToByteArray();
        Assert.Contains("stored twice", Assert.Throws<ModelException>(() => OnnxReader.Parse(bytes)).Message);
    }

    private static Model OneNodeModel(Node node, Dictionary<string, Tensor> initializers, string output) => new()
    {
        Nodes = [node],
        Initializers = initializers,
        Inputs = [],
        Outputs = [new ValueInfo(output, DataType.Undefined, null)],
        Opsets = new() { [""] = 13 },
    };

    [Fact]
    public void Range_past_the_element_limit_is_refused_before_allocating()
    {
        var model = OneNodeModel(TinyModels.Node("range", "Range", ["s", "l", "d"], ["r"]), new()
        {
            ["s"] = Tensor.FromFloats([0f]).View([]),
            ["l"] = Tensor.FromFloats([1e12f]).View([]),
            ["d"] = Tensor.FromFloats([1f]).View([]),
        }, "r");
        var e = Refused(model);
        Assert.Contains("'range' (Range)", e.Message);
        Assert.Contains("Limits", e.Message);
    }

    [Theory]
    [InlineData("ConstantOfShape")]
    [InlineData("Expand")]
    public void Shape_ops_past_the_element_limit_are_refused(string op)
    {
        var shape = Tensor.FromLongs(DataType.Int64, [65536, 65536], 2);
        var node = op == "Expand"
            ? TinyModels.Node("big", op, ["one", "shape"], ["y"])
            : TinyModels.Node("big", op, ["shape"], ["y"]);
        var model = OneNodeModel(node, new() { ["shape"] = shape, ["one"] = Tensor.FromFloats([1f], 1) }, "y");
        var e = Refused(model);
        Assert.Contains($"'big' ({op})", e.Message);
        Assert.Contains("2147483647 elements", e.Message);
    }

    [Fact]
    public void Plan_past_the_budget_is_refused()
    {
        var shape = Tensor.FromLongs(DataType.Int64, [1024, 1024], 2);
        var model = OneNodeModel(TinyModels.Node("big", "ConstantOfShape", ["shape"], ["y"]), new() { ["shape"] = shape }, "y");
        using (EngineLimits.WithPlanBudget(1 << 20))
            Assert.Contains("past the budget of 1 MiB", Refused(model).Message);
        Assert.Equal([1024, 1024], new InferenceSession(model).Run(new Dictionary<string, Tensor>())["y"].Shape);
        // A batch too large for the budget is refused the same way when its plan is built.
        var cnn = new InferenceSession(TinyModels.Cnn());
        using (EngineLimits.WithPlanBudget(1 << 20))
            Assert.Contains("past the budget", Assert.Throws<ModelException>(() => cnn.Run(Tensor.Zeros(DataType.Float, 4096, 1, 6, 6))).Message);
    }

    [Fact]
    public void Huge_declared_initializer_is_refused_before_allocating()
    {
        var proto = OnnxWriter.ToProto(TinyModels.Cnn());
        var w2 = proto.Graph.Initializer.Single(t => t.Name == "w2");
        w2.Dims.Clear();
        w2.Dims.Add(65536);
        w2.Dims.Add(65536);
        var bytes = proto.ToByteArray();
        var e = Assert.Throws<ModelException>(() => OnnxReader.Parse(bytes, null, "m.onnx"));
        Assert.Contains("'w2'", e.Message);
        Assert.Contains("more than 2147483647 elements", e.Message);

        // 2^31 − 1 declared elements but 288 bytes stored: a format error, found before the 8 GiB are allocated.
        w2.Dims.Clear();
        w2.Dims.Add(int.MaxValue);
        bytes = proto.ToByteArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<OnnxFormatException>(() => OnnxReader.Parse(bytes, null, "m.onnx"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }
}
