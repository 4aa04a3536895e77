// Writes a Model back to ONNX: the inverse of OnnxReader (Constant nodes come back as initializers).
using Google.Protobuf;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Onnx;

public static class OnnxWriter
{
    public static void Save(Model model, string path) => File.WriteAllBytes(path, ToProto(model).ToByteArray());

    public static ModelProto ToProto(Model model)
    {
        var graph = new GraphProto { Name = model.GraphName };
        foreach (var node in model.Nodes)
        {
            var n = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain };
            n.Input.AddRange(node.Inputs);
            n.Output.AddRange(node.Outputs);
            foreach (var (name, value) in node.Attributes.All) n.Attribute.Add(ToAttribute(name, value));
            graph.Node.Add(n);
        }
        foreach (var (name, tensor) in model.Initializers) graph.Initializer.Add(TensorProtoConverter.ToProto(tensor, name));
        graph.Input.AddRange(model.Inputs.Select(ToValueInfo));
        graph.Output.AddRange(model.Outputs.Select(ToValueInfo));

        var proto = new ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = string.IsNullOrEmpty(model.ProducerName) ? "neutron" : model.ProducerName,
            Graph = graph,
        };
        foreach (var (domain, version) in model.Opsets) proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return proto;
    }

    private static AttributeProto ToAttribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case float f: a.Type = 1; a.F = f; break;
            case long i: a.Type = 2; a.I = i; break;
            case string s: a.Type = 3; a.S = ByteString.CopyFromUtf8(s); break;
            case Tensor t: a.Type = 4; a.T = TensorProtoConverter.ToProto(t, ""); break;
            case float[] fs: a.Type = 6; a.Floats.AddRange(fs); break;
            case long[] ls: a.Type = 7; a.Ints.AddRange(ls); break;
            case string[] ss: a.Type = 8; a.Strings.AddRange(ss.Select(ByteString.CopyFromUtf8)); break;
            default: throw new ArgumentException($"attribute '{name}' has unsupported value type {value.GetType().Name}");
        }
        return a;
    }

    private static ValueInfoProto ToValueInfo(ValueInfo info)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)info.Type };
        if (info.Shape is { } shape)
        {
            var s = new TensorShapeProto();
            for (int i = 0; i < shape.Length; i++)
            {
                var d = new TensorShapeProto.Types.Dimension();
                if (shape[i] >= 0) d.DimValue = shape[i];
                else d.DimParam = info.DimNames?[i] ?? "N";
                s.Dim.Add(d);
            }
            tensorType.Shape = s;
        }
        return new ValueInfoProto { Name = info.Name, Type = new TypeProto { TensorType = tensorType } };
    }
}
