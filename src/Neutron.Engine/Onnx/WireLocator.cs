// Finds where an undecodable ONNX protobuf goes wrong, so the error can say "truncated length-delimited field at
// offset 1834 in ModelProto.graph.node[12]" instead of protobuf's location-free message. Only run after a parse
// has failed; it knows which fields of the ONNX schema are nested messages and walks them.
namespace Neutron.Engine.Onnx;

internal static class WireLocator
{
    // (message, field number) -> (field name, nested message type or null)
    private static readonly Dictionary<(string, int), (string Name, string? Message)> Fields = new()
    {
        [("ModelProto", 7)] = ("graph", "GraphProto"),
        [("ModelProto", 8)] = ("opset_import", "OperatorSetIdProto"),
        [("ModelProto", 14)] = ("metadata_props", "StringStringEntryProto"),
        [("GraphProto", 1)] = ("node", "NodeProto"),
        [("GraphProto", 5)] = ("initializer", "TensorProto"),
        [("GraphProto", 11)] = ("input", "ValueInfoProto"),
        [("GraphProto", 12)] = ("output", "ValueInfoProto"),
        [("GraphProto", 13)] = ("value_info", "ValueInfoProto"),
        [("NodeProto", 5)] = ("attribute", "AttributeProto"),
        [("AttributeProto", 5)] = ("t", "TensorProto"),
        [("AttributeProto", 6)] = ("g", "GraphProto"),
        [("AttributeProto", 10)] = ("tensors", "TensorProto"),
        [("AttributeProto", 11)] = ("graphs", "GraphProto"),
        [("ValueInfoProto", 2)] = ("type", "TypeProto"),
        [("TypeProto", 1)] = ("tensor_type", "TypeProto.Tensor"),
        [("TypeProto.Tensor", 2)] = ("shape", "TensorShapeProto"),
        [("TensorShapeProto", 1)] = ("dim", "TensorShapeProto.Dimension"),
        [("TensorProto", 13)] = ("external_data", "StringStringEntryProto"),
    };

    public static string? Describe(byte[] bytes)
    {
        try
        {
            return Walk(bytes, 0, bytes.Length, "ModelProto", "ModelProto", 0);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    private static string? Walk(byte[] b, int start, int end, string message, string path, int depth)
    {
        if (depth > 64) return $"nesting deeper than 64 at offset {start} in {path}";
        var counts = new Dictionary<int, int>();
        int pos = start;
        while (pos < end)
        {
            int fieldStart = pos;
            if (!TryVarint(b, ref pos, end, out ulong key)) return $"truncated field key at offset {fieldStart} in {path}";
            int field = (int)(key >> 3);
            int wire = (int)(key & 7);
            if (field == 0) return $"invalid field number 0 at offset {fieldStart} in {path}";
            Fields.TryGetValue((message, field), out var info);
            string fieldName = info.Name ?? $"field {field}";
            switch (wire)
            {
                case 0:
                    if (!TryVarint(b, ref pos, end, out _)) return $"truncated varint at offset {fieldStart} in {path}.{fieldName}";
                    break;
                case 1:
                    if (end - pos < 8) return $"truncated 64-bit value at offset {fieldStart} in {path}.{fieldName}";
                    pos += 8;
                    break;
                case 5:
                    if (end - pos < 4) return $"truncated 32-bit value at offset {fieldStart} in {path}.{fieldName}";
                    pos += 4;
                    break;
                case 2:
                    if (!TryVarint(b, ref pos, end, out ulong length)) return $"truncated length at offset {fieldStart} in {path}.{fieldName}";
                    if (length > (ulong)(end - pos))
                        return $"truncated length-delimited field at offset {fieldStart} in {path}.{fieldName} (needs {length} bytes, {end - pos} left)";
                    int index = counts.TryGetValue(field, out int c) ? c : 0;
                    counts[field] = index + 1;
                    if (info.Message is { } nested)
                    {
                        var inner = Walk(b, pos, pos + (int)length, nested, $"{path}.{fieldName}[{index}]", depth + 1);
                        if (inner is not null) return inner;
                    }
                    pos += (int)length;
                    break;
                default:
                    return $"invalid wire type {wire} at offset {fieldStart} in {path}.{fieldName}";
            }
        }
        return null;
    }

    private static bool TryVarint(byte[] b, ref int pos, int end, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (pos >= end) return false;
            byte x = b[pos++];
            value |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return true;
        }
        return false;
    }
}
