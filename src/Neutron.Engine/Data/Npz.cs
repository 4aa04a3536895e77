// NumPy .npz archives: a zip of .npy members (stored or deflated), read with System.IO.Compression, each member's
// CRC-32 and size checked. Keys are the member names without ".npy", as numpy.load gives them. Each member is
// decoded by Npy.
using System.IO.Compression;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public static class Npz
{
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"npz file '{path}' not found", path);
        Onnx.ExternalData.RequireRegularFile(path, "npz file");
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{path}: not a .npz file (not a zip archive: {e.Message})", e);
        }
        using (zip)
        {
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string key = entry.FullName[..^4];
                try
                {
                    // The entry's CRC-32 and size are checked over the whole member (ZipArchive does not).
                    using var stream = new Crc32Stream(entry.Open());
                    result[key] = Npy.Read(stream, $"{path}:{entry.FullName}", entry.Length);
                    stream.Drain();
                    if (stream.Crc != entry.Crc32 || stream.BytesRead != entry.Length)
                        throw new FormatException($"{path}:{entry.FullName}: damaged zip member: its CRC-32 {stream.Crc:x8} and size {stream.BytesRead} differ from the archive's {entry.Crc32:x8} and {entry.Length}");
                }
                catch (InvalidDataException e)
                {
                    throw new FormatException($"{path}:{entry.FullName}: corrupt zip member: {e.Message}", e);
                }
                catch (EndOfStreamException e)
                {
                    throw new FormatException($"{path}:{entry.FullName}: truncated .npy member", e);
                }
            }
            return result;
        }
    }

    /// <summary>Writes tensors as an uncompressed .npz (float tensors as float32, integers as int64).</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (key, tensor) in arrays)
        {
            using var stream = zip.CreateEntry(key + ".npy", CompressionLevel.NoCompression).Open();
            Npy.Write(stream, tensor);
        }
    }
}
