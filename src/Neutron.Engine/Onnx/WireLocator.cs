// Finds where an undecodable ONNX protobuf goes wrong, so the error can say "truncated length-delimited field at
// offset 1834 in ModelProto.graph.node[12] ('/conv1/Conv' Conv).attribute[2] ('pads').ints" instead of protobuf's
// location-free message. Only run after a parse has failed: it knows the ONNX schema's field names, which fields
// are nested messages or packed numbers, and checks each the way the protobuf parser would (Google.Protobuf does
// not reject bad UTF-8 in strings, so neither does this).
using System.Text;

namespace Neutron.Engine.Onnx;

internal static class WireLocator
{
    private enum Kind { Scalar, Message, String, PackedVarint, Packed32, Packed64 }

    // (message, field number) -> (field name, kind, nested message type, repeated)
    private static readonly Dictionary<(string, int), (string Name, Kind Kind, string? Message, bool Repeated)> Fields = new()
    {
        [("ModelProto", 1)] = ("ir_version", Kind.Scalar, null, false),
        [("ModelProto", 2)] = ("producer_name", Kind.String, null, false),
        [("ModelProto", 3)] = ("producer_version", Kind.String, null, false),
        [("ModelProto", 4)] = ("domain", Kind.String, null, false),
        [("ModelProto", 6)] = ("doc_string", Kind.String, null, false),
        [("ModelProto", 7)] = ("graph", Kind.Message, "GraphProto", false),
        [("ModelProto", 8)] = ("opset_import", Kind.Message, "OperatorSetIdProto", true),
        [("ModelProto", 14)] = ("metadata_props", Kind.Message, "StringStringEntryProto", true),
        [("OperatorSetIdProto", 1)] = ("domain", Kind.String, null, false),
        [("OperatorSetIdProto", 2)] = ("version", Kind.Scalar, null, false),
        [("StringStringEntryProto", 1)] = ("key", Kind.String, null, false),
        [("StringStringEntryProto", 2)] = ("value", Kind.String, null, false),
        [("GraphProto", 1)] = ("node", Kind.Message, "NodeProto", true),
        [("GraphProto", 2)] = ("name", Kind.String, null, false),
        [("GraphProto", 5)] = ("initializer", Kind.Message, "TensorProto", true),
        [("GraphProto", 10)] = ("doc_string", Kind.String, null, false),
        [("GraphProto", 11)] = ("input", Kind.Message, "ValueInfoProto", true),
        [("GraphProto", 12)] = ("output", Kind.Message, "ValueInfoProto", true),
        [("GraphProto", 13)] = ("value_info", Kind.Message, "ValueInfoProto", true),
        [("NodeProto", 1)] = ("input", Kind.String, null, true),
        [("NodeProto", 2)] = ("output", Kind.String, null, true),
        [("NodeProto", 3)] = ("name", Kind.String, null, false),
        [("NodeProto", 4)] = ("op_type", Kind.String, null, false),
        [("NodeProto", 5)] = ("attribute", Kind.Message, "AttributeProto", true),
        [("NodeProto", 6)] = ("doc_string", Kind.String, null, false),
        [("NodeProto", 7)] = ("domain", Kind.String, null, false),
        [("AttributeProto", 1)] = ("name", Kind.String, null, false),
        [("AttributeProto", 2)] = ("f", Kind.Scalar, null, false),
        [("AttributeProto", 3)] = ("i", Kind.Scalar, null, false),
        [("AttributeProto", 5)] = ("t", Kind.Message, "TensorProto", false),
        [("AttributeProto", 6)] = ("g", Kind.Message, "GraphProto", false),
        [("AttributeProto", 7)] = ("floats", Kind.Packed32, null, true),
        [("AttributeProto", 8)] = ("ints", Kind.PackedVarint, null, true),
        [("AttributeProto", 10)] = ("tensors", Kind.Message, "TensorProto", true),
        [("AttributeProto", 11)] = ("graphs", Kind.Message, "GraphProto", true),
        [("AttributeProto", 13)] = ("doc_string", Kind.String, null, false),
        [("AttributeProto", 20)] = ("type", Kind.Scalar, null, false),
        [("AttributeProto", 21)] = ("ref_attr_name", Kind.String, null, false),
        [("ValueInfoProto", 1)] = ("name", Kind.String, null, false),
        [("ValueInfoProto", 2)] = ("type", Kind.Message, "TypeProto", false),
        [("ValueInfoProto", 3)] = ("doc_string", Kind.String, null, false),
        [("TypeProto", 1)] = ("tensor_type", Kind.Message, "TypeProto.Tensor", false),
        [("TypeProto", 6)] = ("denotation", Kind.String, null, false),
        [("TypeProto.Tensor", 1)] = ("elem_type", Kind.Scalar, null, false),
        [("TypeProto.Tensor", 2)] = ("shape", Kind.Message, "TensorShapeProto", false),
        [("TensorShapeProto", 1)] = ("dim", Kind.Message, "TensorShapeProto.Dimension", true),
        [("TensorShapeProto.Dimension", 1)] = ("dim_value", Kind.Scalar, null, false),
        [("TensorShapeProto.Dimension", 2)] = ("dim_param", Kind.String, null, false),
        [("TensorShapeProto.Dimension", 3)] = ("denotation", Kind.String, null, false),
        [("TensorProto", 1)] = ("dims", Kind.PackedVarint, null, true),
        [("TensorProto", 2)] = ("data_type", Kind.Scalar, null, false),
        [("TensorProto", 4)] = ("float_data", Kind.Packed32, null, true),
        [("TensorProto", 5)] = ("int32_data", Kind.PackedVarint, null, true),
        [("TensorProto", 7)] = ("int64_data", Kind.PackedVarint, null, true),
        [("TensorProto", 8)] = ("name", Kind.String, null, false),
        [("TensorProto", 10)] = ("double_data", Kind.Packed64, null, true),
        [("TensorProto", 11)] = ("uint64_data", Kind.PackedVarint, null, true),
        [("TensorProto", 12)] = ("doc_string", Kind.String, null, false),
        [("TensorProto", 13)] = ("external_data", Kind.Message, "StringStringEntryProto", true),
        [("TensorProto", 14)] = ("data_location", Kind.Scalar, null, false),
    };

    // Which string fields name an element of a repeated message, for paths like node[12] ('/conv1/Conv' Conv).
    private static readonly Dictionary<string, int[]> LabelFields = new()
    {
        ["NodeProto"] = [3, 4],
        ["AttributeProto"] = [1],
        ["TensorProto"] = [8],
        ["ValueInfoProto"] = [1],
    };

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static string? Describe(byte[] bytes)
    {
        try
        {
            return Walk(bytes, 0, bytes.Length, "ModelProto", "ModelProto", 0);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or OverflowException or ArgumentException)
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
            if (key >> 3 > int.MaxValue >> 3) return $"field number {key >> 3} out of range at offset {fieldStart} in {path}";
            int field = (int)(key >> 3);
            int wire = (int)(key & 7);
            if (field == 0) return $"invalid field number 0 at offset {fieldStart} in {path}";
            bool known = Fields.TryGetValue((message, field), out var info);
            string fieldName = known ? info.Name : $"field {field}";
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
                    int payloadEnd = pos + (int)length;
                    int index = counts.TryGetValue(field, out int c) ? c : 0;
                    counts[field] = index + 1;
                    // Packed numbers are one field holding many values; index only repeated messages and strings.
                    string here = known && info.Repeated && info.Kind is Kind.Message or Kind.String ? $"{path}.{fieldName}[{index}]" : $"{path}.{fieldName}";
                    string? problem = known ? info.Kind switch
                    {
                        Kind.Message => Walk(b, pos, payloadEnd, info.Message!, here + Label(b, pos, payloadEnd, info.Message!), depth + 1),
                        Kind.PackedVarint => PackedVarints(b, pos, payloadEnd) ? null : $"truncated varint in the packed field at offset {fieldStart} in {here}",
                        Kind.Packed32 => length % 4 == 0 ? null : $"packed 32-bit field of {length} bytes (not a multiple of 4) at offset {fieldStart} in {here}",
                        Kind.Packed64 => length % 8 == 0 ? null : $"packed 64-bit field of {length} bytes (not a multiple of 8) at offset {fieldStart} in {here}",
                        _ => null,
                    } : null;
                    if (problem is not null) return problem;
                    pos = payloadEnd;
                    break;
                case 3:
                    // A group (deprecated, but the parser skips unknown ones): find its end tag.
                    if (!SkipGroup(b, ref pos, end, field, depth)) return $"unterminated group at offset {fieldStart} in {path}.{fieldName}";
                    break;
                default:
                    return $"invalid wire type {wire} at offset {fieldStart} in {path}.{fieldName}";
            }
        }
        return null;
    }

    // " ('/conv1/Conv' Conv)" from the element's name fields when they decode; "" otherwise.
    private static string Label(byte[] b, int start, int end, string message)
    {
        if (!LabelFields.TryGetValue(message, out var wanted)) return "";
        var found = new string?[wanted.Length];
        int pos = start;
        while (pos < end)
        {
            if (!TryVarint(b, ref pos, end, out ulong key)) break;
            int wire = (int)(key & 7);
            ulong length = 0;
            if (wire == 0 && !TryVarint(b, ref pos, end, out _)) break;
            if (wire == 1) pos += 8;
            if (wire == 5) pos += 4;
            if (wire == 2)
            {
                if (!TryVarint(b, ref pos, end, out length) || length > (ulong)(end - pos)) break;
                int slot = Array.IndexOf(wanted, (int)(key >> 3));
                if (slot >= 0 && length <= 200 && ValidUtf8(b, pos, (int)length))
                {
                    // Damaged names may hold control characters; the message stays on one printable line.
                    string text = Encoding.UTF8.GetString(b, pos, (int)length);
                    found[slot] = text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString())) : text;
                }
                pos += (int)length;
            }
            if (wire is not (0 or 1 or 2 or 5)) break;
        }
        if (found.All(f => f is null)) return "";
        return " (" + string.Join(" ", found.Select((f, i) => i == 0 ? $"'{f}'" : f).Where(f => f is not null and not "''")) + ")";
    }

    private static bool ValidUtf8(byte[] b, int start, int length)
    {
        try
        {
            StrictUtf8.GetCharCount(b, start, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool PackedVarints(byte[] b, int pos, int end)
    {
        while (pos < end)
            if (!TryVarint(b, ref pos, end, out _)) return false;
        return true;
    }

    private static bool SkipGroup(byte[] b, ref int pos, int end, int field, int depth)
    {
        if (depth > 64) return false;
        while (pos < end)
        {
            if (!TryVarint(b, ref pos, end, out ulong key)) return false;
            int wire = (int)(key & 7);
            switch (wire)
            {
                case 0: if (!TryVarint(b, ref pos, end, out _)) return false; break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    if (!TryVarint(b, ref pos, end, out ulong length) || length > (ulong)(end - pos)) return false;
                    pos += (int)length;
                    break;
                case 3: if (!SkipGroup(b, ref pos, end, (int)(key >> 3), depth + 1)) return false; break;
                case 4: return (int)(key >> 3) == field;
                default: return false;
            }
        }
        return false;
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
