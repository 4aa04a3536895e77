// CIFAR-10 and CIFAR-100 binary versions: fixed-size records of label byte(s) then 3072 pixel bytes, already
// channel-planar (1024 red, 1024 green, 1024 blue of a 32×32 image), so they load as NCHW with no transpose.
// CIFAR-10: data_batch_1..5.bin, test_batch.bin, one label; CIFAR-100: train.bin, test.bin, coarse then fine label.
namespace Neutron.Engine.Data;

public enum CifarVariant { Cifar10, Cifar100 }

public enum CifarLabel { Fine, Coarse }

public sealed record CifarImages(byte[] Pixels, long[] Labels, string[]? ClassNames)
{
    public const int Channels = 3, Height = 32, Width = 32, ImageBytes = Channels * Height * Width;
    public int Count => Labels.Length;
}

public static class Cifar
{
    public static int RecordSize(CifarVariant variant) => CifarImages.ImageBytes + (variant == CifarVariant.Cifar100 ? 2 : 1);

    /// <summary>The batch files of a split in a CIFAR folder, and which variant the folder holds.</summary>
    public static (CifarVariant Variant, string[] Files) Find(string directory, string split)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"CIFAR folder '{directory}' not found");
        string P(string f) => Path.Combine(directory, f);
        if (File.Exists(P("test_batch.bin")) || File.Exists(P("data_batch_1.bin")))
        {
            var files = split switch
            {
                "test" => new[] { P("test_batch.bin") },
                "train" => Enumerable.Range(1, 5).Select(i => P($"data_batch_{i}.bin")).ToArray(),
                _ => throw new ArgumentException($"CIFAR split '{split}' is unknown; use test or train"),
            };
            return (CifarVariant.Cifar10, files);
        }
        if (File.Exists(P("test.bin")) || File.Exists(P("train.bin")))
        {
            if (split is not ("test" or "train")) throw new ArgumentException($"CIFAR split '{split}' is unknown; use test or train");
            return (CifarVariant.Cifar100, [P(split + ".bin")]);
        }
        throw new FileNotFoundException($"'{directory}' holds no CIFAR binary batches (test_batch.bin / data_batch_N.bin for CIFAR-10, test.bin / train.bin for CIFAR-100)");
    }

    /// <summary>Reads batch files of one variant, up to <paramref name="limit"/> images in total.</summary>
    public static CifarImages Load(IReadOnlyList<string> files, CifarVariant variant, CifarLabel label = CifarLabel.Fine, int limit = int.MaxValue)
    {
        int record = RecordSize(variant);
        var pixels = new List<byte[]>();
        var labels = new List<long>();
        foreach (var file in files)
        {
            if (labels.Count >= limit) break;
            if (!File.Exists(file)) throw new FileNotFoundException($"CIFAR batch '{file}' not found", file);
            Onnx.ExternalData.RequireRegularFile(file, "CIFAR batch");
            long length = new FileInfo(file).Length;
            if (length == 0 || length % record != 0)
                throw new FormatException($"{file}: {length} bytes is not a whole number of {variant} records of {record} bytes (truncated, or the other CIFAR variant?)");
            using var stream = File.OpenRead(file);
            var buffer = new byte[record];
            long records = length / record;
            for (long r = 0; r < records && labels.Count < limit; r++)
            {
                stream.ReadExactly(buffer);
                long y = variant == CifarVariant.Cifar100 ? (label == CifarLabel.Coarse ? buffer[0] : buffer[1]) : buffer[0];
                int classes = variant == CifarVariant.Cifar10 ? 10 : label == CifarLabel.Coarse ? 20 : 100;
                if (y >= classes) throw new FormatException($"{file}: record {r} has label {y}, {variant} has {classes} classes");
                labels.Add(y);
                pixels.Add(buffer[(record - CifarImages.ImageBytes)..]);
            }
        }
        var all = new byte[(long)pixels.Count * CifarImages.ImageBytes];
        for (int i = 0; i < pixels.Count; i++) pixels[i].CopyTo(all, (long)i * CifarImages.ImageBytes);
        string? folder = files.Count > 0 ? Path.GetDirectoryName(Path.GetFullPath(files[0])) : null;
        return new CifarImages(all, [.. labels], folder is null ? null : ClassNames(folder, variant, label));
    }

    // batches.meta.txt (CIFAR-10) and fine/coarse_label_names.txt (CIFAR-100) list one class name per line.
    private static string[]? ClassNames(string folder, CifarVariant variant, CifarLabel label)
    {
        string file = Path.Combine(folder, variant == CifarVariant.Cifar10 ? "batches.meta.txt"
            : label == CifarLabel.Coarse ? "coarse_label_names.txt" : "fine_label_names.txt");
        if (!File.Exists(file)) return null;
        var names = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return names.Length > 0 ? names : null;
    }
}
