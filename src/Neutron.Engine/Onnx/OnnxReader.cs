// Reads an ONNX file into a Model: checks the protobuf, converts initializers, hoists Constant nodes into
// initializers (some exporters store weights that way; the fault layer then finds them as weights), and
// records opset imports. Structural validation of the graph happens in the planner when a session is built.
using Google.Protobuf;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Onnx;

public static class OnnxReader
{
    public static Model Load(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new FileNotFoundException($"model file '{path}' not found", path);
        ExternalData.RequireRegularFile(path, "model file");
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), path);
    }

    public static Model Parse(byte[] bytes, string? modelFolder = null, string? path = null)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{path ?? "model"}: not a valid ONNX protobuf: {WireLocator.Describe(bytes) ?? e.Message}", e);
        }
        return FromProto(proto, modelFolder, path);
    }

    public static Model FromProto(ModelProto proto, string? modelFolder = null, string? path = null)
    {
        string file = path ?? "model";
        if (proto.Graph is null)
            throw new OnnxFormatException($"{file}: ModelProto has no graph (field 7); is this an ONNX model?");
        var graph = proto.Graph;
        CheckNames(proto, file);

        var opsets = new Dictionary<string, long>();
        foreach (var o in proto.OpsetImport)
        {
            string domain = o.Domain == "ai.onnx" ? "" : o.Domain;
            opsets[domain] = o.Version;
        }
        if (!opsets.ContainsKey("")) opsets[""] = proto.IrVersion <= 3 ? 1 : 1;

        var initializers = new Dictionary<string, Tensor>();
        for (int i = 0; i < graph.Initializer.Count; i++)
        {
            var t = graph.Initializer[i];
            if (string.IsNullOrEmpty(t.Name))
                throw new OnnxFormatException($"{file}: GraphProto.initializer[{i}] has no name");
            if (initializers.ContainsKey(t.Name))
                throw new ModelException(ModelErrorCode.InvalidGraph, $"{file}: GraphProto.initializer[{i}]: tensor '{t.Name}' is stored twice");
            initializers[t.Name] = TensorProtoConverter.ToTensor(t, $"{file}: GraphProto.initializer[{i}]", modelFolder);
        }

        var nodes = new List<Node>();
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var n = graph.Node[i];
            string name = string.IsNullOrEmpty(n.Name) ? $"{n.OpType}_{i}" : n.Name;
            string where = $"{file}: GraphProto.node[{i}] '{name}' ({n.OpType})";
            if (string.IsNullOrEmpty(n.OpType))
                throw new OnnxFormatException($"{file}: GraphProto.node[{i}] has no op_type");
            var attributes = ReadAttributes(n, where, modelFolder);
            if (n.OpType == "Constant" && (n.Domain is "" or "ai.onnx"))
            {
                if (n.Output.Count != 1)
                    throw new OnnxFormatException($"{where}: a Constant node has exactly one output, this one has {n.Output.Count}");
                if (initializers.ContainsKey(n.Output[0]))
                    throw new ModelException(ModelErrorCode.InvalidGraph, $"{where}: output '{n.Output[0]}' is also a stored tensor or another Constant's output");
                initializers[n.Output[0]] = ConstantValue(attributes, where);
                continue;
            }
            nodes.Add(new Node
            {
                Name = name,
                OpType = n.OpType,
                Domain = n.Domain == "ai.onnx" ? "" : n.Domain,
                Inputs = [.. n.Input],
                Outputs = [.. n.Output],
                Attributes = attributes,
            });
        }

        return new Model
        {
            Nodes = nodes,
            Initializers = initializers,
            Inputs = graph.Input.Select(v => ToValueInfo(v, $"{file}: graph input")).ToList(),
            Outputs = graph.Output.Select(v => ToValueInfo(v, $"{file}: graph output")).ToList(),
            Opsets = opsets,
            GraphName = string.IsNullOrEmpty(graph.Name) ? "graph" : graph.Name,
            ProducerName = proto.ProducerName,
            IrVersion = proto.IrVersion,
            Path = path,
        };
    }

    // Names and string attributes reach error messages and file names: a control character in one (a newline, an
    // escape sequence) would break the one-line error or the terminal, and is never part of a real model's names.
    private static void CheckNames(ModelProto proto, string file)
    {
        static bool Bad(string s)
        {
            foreach (char c in s) if (char.IsControl(c)) return true;
            return false;
        }
        static string Shown(string s)
        {
            var sb = new System.Text.StringBuilder();
            foreach (char c in s.Length > 80 ? s[..80] : s) sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
            return sb.ToString();
        }
        void Check(string s, string where)
        {
            if (Bad(s)) throw new OnnxFormatException($"{file}: {where} '{Shown(s)}' contains a control character; names must be printable");
        }
        var g = proto.Graph;
        foreach (var o in proto.OpsetImport) Check(o.Domain, "opset_import domain");
        for (int i = 0; i < g.Initializer.Count; i++) Check(g.Initializer[i].Name, $"GraphProto.initializer[{i}] name");
        foreach (var (list, field) in new[] { (g.Input, "input"), (g.Output, "output") })
            for (int i = 0; i < list.Count; i++)
            {
                Check(list[i].Name, $"GraphProto.{field}[{i}] name");
                if (list[i].Type?.TensorType?.Shape is { } shape)
                    foreach (var d in shape.Dim) Check(d.DimParam, $"GraphProto.{field}[{i}] dim_param");
            }
        for (int i = 0; i < g.Node.Count; i++)
        {
            var n = g.Node[i];
            string where = $"GraphProto.node[{i}]";
            Check(n.Name, $"{where} name");
            Check(n.OpType, $"{where} op_type");
            Check(n.Domain, $"{where} domain");
            foreach (var v in n.Input) Check(v, $"{where} input");
            foreach (var v in n.Output) Check(v, $"{where} output");
            foreach (var a in n.Attribute)
            {
                Check(a.Name, $"{where} attribute name");
                if (a.HasS) Check(a.S.ToStringUtf8(), $"{where} attribute '{a.Name}' value");
                foreach (var v in a.Strings) Check(v.ToStringUtf8(), $"{where} attribute '{a.Name}' value");
            }
        }
    }

    private static ValueInfo ToValueInfo(ValueInfoProto v, string what)
    {
        var tt = v.Type?.TensorType;
        if (tt is null) return new ValueInfo(v.Name, DataType.Undefined, null);
        int[]? shape = null;
        string?[]? names = null;
        if (tt.Shape is not null)
        {
            shape = new int[tt.Shape.Dim.Count];
            names = new string?[shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                var d = tt.Shape.Dim[i];
                // -1 is how some exporters (Paddle) write an unknown dimension; other values outside int are damage.
                if (d.HasDimValue && (d.DimValue < -1 || d.DimValue > int.MaxValue))
                    throw new ModelException(ModelErrorCode.InvalidGraph, $"{what} '{v.Name}' has dimension {d.DimValue} at axis {i}; a dimension is a size from 0 to {int.MaxValue} or symbolic");
                shape[i] = d.HasDimValue ? (int)d.DimValue : -1;
                names[i] = d.HasDimParam ? d.DimParam : null;
            }
        }
        return new ValueInfo(v.Name, (DataType)tt.ElemType, shape, names);
    }

    private static Attributes ReadAttributes(NodeProto n, string where, string? modelFolder)
    {
        var values = new Dictionary<string, object>();
        foreach (var a in n.Attribute)
        {
            object value = a.Type switch
            {
                1 => a.F,
                2 => a.I,
                3 => a.S.ToStringUtf8(),
                4 => (object?)(a.T is null ? null : TensorProtoConverter.ToTensor(a.T, $"{where} attribute '{a.Name}'", modelFolder))
                     ?? throw new OnnxFormatException($"{where}: attribute '{a.Name}' of type TENSOR holds no tensor"),
                6 => a.Floats.ToArray(),
                7 => a.Ints.ToArray(),
                8 => a.Strings.Select(s => s.ToStringUtf8()).ToArray(),
                // Old exporters leave the type out; infer it from the field that is set.
                0 => InferUntyped(a, where, modelFolder),
                5 or 10 => throw new ModelException(ModelErrorCode.InvalidAttribute, $"{where}: attribute '{a.Name}' holds a subgraph; control flow is not supported"),
                _ => throw new ModelException(ModelErrorCode.InvalidAttribute, $"{where}: attribute '{a.Name}' has unsupported type {a.Type}"),
            };
            values[a.Name] = value;
        }
        return new Attributes(values, where);
    }

    private static object InferUntyped(AttributeProto a, string where, string? modelFolder)
    {
        if (a.Ints.Count > 0) return a.Ints.ToArray();
        if (a.Floats.Count > 0) return a.Floats.ToArray();
        if (a.Strings.Count > 0) return a.Strings.Select(s => s.ToStringUtf8()).ToArray();
        if (a.T is not null) return TensorProtoConverter.ToTensor(a.T, $"{where} attribute '{a.Name}'", modelFolder);
        if (a.HasS) return a.S.ToStringUtf8();
        if (a.HasF) return a.F;
        return a.I;
    }

    private static Tensor ConstantValue(Attributes attributes, string where)
    {
        if (attributes.Tensor("value") is { } t) return t;
        if (attributes.Has("value_float")) return Tensor.FromFloats([attributes.Float("value_float", 0)]).View([]);
        if (attributes.Floats("value_floats") is { } fs) return Tensor.FromFloats(fs, fs.Length);
        if (attributes.Has("value_int")) return Tensor.FromLongs(DataType.Int64, [attributes.Int("value_int", 0)]).View([]);
        if (attributes.Ints("value_ints") is { } ls) return Tensor.FromLongs(DataType.Int64, ls, ls.Length);
        throw new ModelException(ModelErrorCode.InvalidAttribute, $"{where}: Constant holds no supported value (sparse and string constants are not supported)");
    }
}
