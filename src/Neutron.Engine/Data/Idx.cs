// IDX files (the MNIST / Fashion-MNIST format), plain or gzip: a big-endian header (0, 0, type, rank, dims)
// followed by the data. Reads unsigned-byte files (images idx3, labels idx1), the only type those sets use.
// Errors name the file and what is wrong: bad magic, unsupported type, truncated data.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Neutron.Engine.Data;

/// <summary>An IDX array: its shape (axis 0 cut to the records read), bytes, and the record count the header declares.</summary>
public sealed record IdxArray(int[] Shape, byte[] Data, int DeclaredCount)
{
    public int Count => Shape[0];
}

public static class Idx
{
    /// <summary>Reads an IDX file of unsigned bytes, keeping at most <paramref name="limit"/> records along axis 0.</summary>
    public static IdxArray Load(string path, int limit = int.MaxValue)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' not found", path);
        Onnx.ExternalData.RequireRegularFile(path, "IDX file");
        using var file = File.OpenRead(path);
        // gzip members start with 1f 8b; any other first bytes are read as a plain IDX file.
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        if (!(b0 == 0x1f && b1 == 0x8b)) return Read(file, path, limit, file.Length);

        // The trailer of a (single-member) gzip file: CRC-32 and size mod 2^32 of the decompressed data, which
        // GZipStream does not check; the size also bounds what the header may declare before anything is allocated.
        if (file.Length < 18) throw new FormatException($"{path}: truncated gzip file ({file.Length} bytes)");
        Span<byte> trailer = stackalloc byte[8];
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Position = 0;
        uint expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint expectedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var crc = new Crc32Stream(gzip);
        try
        {
            var result = Read(crc, path, limit, expectedSize);
            crc.Drain();
            if (crc.Crc != expectedCrc || (uint)crc.BytesRead != expectedSize)
                throw new FormatException($"{path}: damaged gzip file: the data's CRC-32 {crc.Crc:x8} and size {crc.BytesRead} differ from the trailer's {expectedCrc:x8} and {expectedSize}");
            return result;
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{path}: damaged gzip file: {e.Message}", e);
        }
    }

    /// <summary>Reads an IDX array; <paramref name="totalBytes"/>, when known, is the size of the whole file (header
    /// included), checked against what the header declares before anything is allocated.</summary>
    public static IdxArray Read(Stream stream, string name, int limit = int.MaxValue, long? totalBytes = null)
    {
        var magic = new byte[4];
        if (stream.ReadAtLeast(magic, 4, false) < 4)
            throw new FormatException($"{name}: truncated: an IDX file starts with a 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw new FormatException($"{name}: bad magic {magic[0]:x2} {magic[1]:x2} {magic[2]:x2} {magic[3]:x2}: an IDX file starts with 00 00, type, rank");
        if (magic[2] != 0x08)
            throw new FormatException($"{name}: IDX element type 0x{magic[2]:x2} is not supported (only unsigned bytes, 0x08)");
        int rank = magic[3];
        if (rank is < 1 or > 4) throw new FormatException($"{name}: IDX rank {rank} is not supported (1 to 4)");
        var dimBytes = new byte[4 * rank];
        if (stream.ReadAtLeast(dimBytes, dimBytes.Length, false) < dimBytes.Length)
            throw new FormatException($"{name}: truncated header: rank {rank} needs {dimBytes.Length} bytes of dimensions");
        var shape = new int[rank];
        long recordSize = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d > int.MaxValue) throw new FormatException($"{name}: dimension {i} of {d} is implausible");
            shape[i] = (int)d;
            if (i > 0) recordSize = recordSize > long.MaxValue / Math.Max(d, 1u) ? long.MaxValue : recordSize * d;
        }
        long header = 4 + 4L * rank;
        if (totalBytes is { } total && shape[0] > 0 && (recordSize > (total - header) / shape[0]))
            throw new FormatException($"{name}: truncated or damaged: the header declares [{string.Join(",", shape)}], the data holds {Math.Max(total - header, 0) / Math.Max(recordSize, 1)} of {shape[0]} records ({Math.Max(total - header, 0)} bytes)");
        int keep = Math.Min(shape[0], Math.Max(limit, 0));
        long bytes = keep == 0 ? 0 : recordSize > int.MaxValue / keep ? long.MaxValue : keep * recordSize;
        if (bytes > int.MaxValue) throw new FormatException($"{name}: {keep} records of {recordSize} bytes exceed 2 GiB; use a limit");
        var data = new byte[bytes];
        int read = stream.ReadAtLeast(data, data.Length, false);
        if (read < data.Length)
            throw new FormatException($"{name}: truncated: header declares [{string.Join(",", shape)}], data holds {read / Math.Max(recordSize, 1)} of {keep} records ({read} of {bytes} bytes)");
        int declared = shape[0];
        shape[0] = keep;
        return new IdxArray(shape, data, declared);
    }
}
