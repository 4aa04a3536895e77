// NumPy .npy files, format version 1.0-3.0: read float32/float64/uint8/int64/int32 little-endian C-order arrays,
// write float32 and int64. Fortran order and big-endian data are refused with a clear error.
using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Tensor Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"npy file '{path}' not found", path);
        Onnx.ExternalData.RequireRegularFile(path, "npy file");
        using var stream = File.OpenRead(path);
        return Read(stream, path, stream.Length);
    }

    /// <summary>Reads a .npy array; <paramref name="totalBytes"/>, when known, is the size of the whole array file
    /// (header included), checked against the header's shape before the data is allocated.</summary>
    public static Tensor Read(Stream stream, string name, long? totalBytes = null)
    {
        try
        {
            return ReadUnchecked(stream, name, totalBytes);
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException($"{name}: truncated .npy header", e);
        }
        catch (OverflowException e)
        {
            throw new FormatException($"{name}: .npy shape is too large: {e.Message}", e);
        }
    }

    private static Tensor ReadUnchecked(Stream stream, string name, long? totalBytes)
    {
        var head = new byte[10];
        if (stream.ReadAtLeast(head, 10, false) < 10 || !head.AsSpan(0, 6).SequenceEqual(Magic))
            throw new FormatException($"{name}: not a .npy file (missing \\x93NUMPY magic)");
        int major = head[6];
        int headerLength;
        if (major == 1) headerLength = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(8));
        else if (major is 2 or 3)
        {
            var extra = new byte[2];
            stream.ReadExactly(extra);
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian([head[8], head[9], extra[0], extra[1]]);
        }
        else throw new FormatException($"{name}: unsupported .npy version {major}");
        if (headerLength > 1 << 20) throw new FormatException($"{name}: .npy header of {headerLength} bytes is implausible");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = Encoding.Latin1.GetString(headerBytes);

        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success) throw new FormatException($"{name}: .npy header is malformed: {header.Trim()}");
        if (fortran.Success && fortran.Groups[1].Value == "True")
            throw new FormatException($"{name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        int[] shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int d) ? d
                : throw new FormatException($"{name}: .npy shape has invalid dimension '{s}'")).ToArray();
        string d = descr.Groups[1].Value;
        if (d.Length > 0 && d[0] == '>' && d[1..] is not ("u1" or "i1" or "b1"))
            throw new FormatException($"{name}: big-endian dtype '{d}' is not supported");
        string code = d.TrimStart('<', '|', '=');
        (DataType type, int width) = code switch
        {
            "f4" => (DataType.Float, 4),
            "f8" => (DataType.Double, 8),
            "f2" => (DataType.Float16, 2),
            "u1" => (DataType.UInt8, 1),
            "i1" => (DataType.Int8, 1),
            "b1" => (DataType.Bool, 1),
            "i4" => (DataType.Int32, 4),
            "i8" => (DataType.Int64, 8),
            _ => throw new FormatException($"{name}: dtype '{d}' is not supported (float16/32/64, uint8, int8, bool, int32, int64 are)"),
        };
        int count = ShapeUtil.Size(shape);
        long prefix = (major == 1 ? 10 : 12) + headerLength;
        if (totalBytes is { } total && (long)count * width > total - prefix)
            throw new FormatException($"{name}: truncated: shape ({string.Join(",", shape)}) needs {(long)count * width} bytes of data, the file holds {Math.Max(total - prefix, 0)}");
        if ((long)count * width > Array.MaxLength)
            throw new FormatException($"{name}: shape ({string.Join(",", shape)}) of {d} needs {(long)count * width} bytes, more than one array may hold");
        var data = new byte[(long)count * width];
        int read = stream.ReadAtLeast(data, data.Length, false);
        if (read < data.Length) throw new FormatException($"{name}: truncated: shape ({string.Join(",", shape)}) needs {data.Length} bytes of data, file holds {read}");
        var tensor = Tensor.Zeros(type, shape);
        for (int i = 0; i < count; i++)
        {
            var s = data.AsSpan(i * width, width);
            switch (code)
            {
                case "f4": tensor.Floats[i] = BinaryPrimitives.ReadSingleLittleEndian(s); break;
                case "f8": tensor.Floats[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(s); break;
                case "f2": tensor.Floats[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(s); break;
                case "u1": tensor.Longs[i] = s[0]; break;
                case "i1": tensor.Longs[i] = (sbyte)s[0]; break;
                case "b1": tensor.Longs[i] = s[0] != 0 ? 1 : 0; break;
                case "i4": tensor.Longs[i] = BinaryPrimitives.ReadInt32LittleEndian(s); break;
                default: tensor.Longs[i] = BinaryPrimitives.ReadInt64LittleEndian(s); break;
            }
        }
        return tensor;
    }

    /// <summary>Writes float tensors as float32 and integer tensors as int64.</summary>
    public static void Save(string path, Tensor tensor)
    {
        using var stream = File.Create(path);
        Write(stream, tensor);
    }

    public static void Write(Stream stream, Tensor tensor)
    {
        string descr = tensor.IsFloating ? "<f4" : "<i8";
        string shape = tensor.Rank == 1 ? $"({tensor.Shape[0]},)" : "(" + string.Join(", ", tensor.Shape) + ")";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.Latin1.GetBytes(header));
        var buffer = new byte[tensor.Length * (tensor.IsFloating ? 4 : 8)];
        for (int i = 0; i < tensor.Length; i++)
        {
            if (tensor.IsFloating) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), tensor.Floats[i]);
            else BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(i * 8), tensor.Longs[i]);
        }
        stream.Write(buffer);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
