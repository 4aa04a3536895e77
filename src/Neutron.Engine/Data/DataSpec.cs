// The CLI's data-set notation, FORMAT:PATH[,PATH][,key=value...], parsed and loaded into LabeledData:
//   idx:PREFIX            PREFIX-images-idx3-ubyte[.gz] + PREFIX-labels-idx1-ubyte[.gz] (a folder means FOLDER/t10k)
//   idx:IMAGES,LABELS     two IDX files
//   npy:X.npy,Y.npy       images (N,C,H,W), (N,H,W,C) or (N,H,W) and labels (N)
//   npz:FILE.npz[,x=KEY,y=KEY]
//   cifar:DIR[,split=test|train][,labels=fine|coarse]   CIFAR-10 or -100 binary (variant found from the file names)
// Syntax errors are ArgumentExceptions (the CLI's usage errors); unreadable files are FormatExceptions.
using System.Globalization;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public enum DataLayout { Auto, Nchw, Nhwc }

/// <summary>How to load: normalisation (null: the format's default, see DataSpec.DefaultNormalization), a limit, a layout.</summary>
public sealed record DataOptions
{
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    /// <summary>Keep the first N images.</summary>
    public int Limit { get; init; } = int.MaxValue;
    /// <summary>Layout of rank-4 npy/npz images; Auto takes a last axis of 1, 3 or 4 (and a second that is not) as NHWC.</summary>
    public DataLayout Layout { get; init; } = DataLayout.Auto;
}

public sealed record DataSpec(string Format, string[] Paths, IReadOnlyDictionary<string, string> Keys, string Text)
{
    public static readonly string[] Formats = ["idx", "npy", "npz", "cifar"];

    // Fashion-MNIST statistics, as in ../shared/reference/README.md; CIFAR's are the usual torchvision ones.
    public static readonly (float[] Mean, float[] Std) FashionMnist = ([0.286f], [0.353f]);
    public static readonly (float[] Mean, float[] Std) Cifar10 = ([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
    public static readonly (float[] Mean, float[] Std) Cifar100 = ([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);

    public static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static DataSpec Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0)
            throw new ArgumentException($"data spec '{text}' names no format; write FORMAT:PATH with FORMAT one of {string.Join(", ", Formats)}");
        string format = text[..colon].ToLowerInvariant();
        if (!Formats.Contains(format))
            throw new ArgumentException($"data format '{format}' is unknown; use one of {string.Join(", ", Formats)}");
        var paths = new List<string>();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq > 0) keys[part[..eq]] = part[(eq + 1)..];
            else paths.Add(part);
        }
        var allowed = format switch { "npz" => ["x", "y"], "cifar" => new[] { "split", "labels" }, _ => [] };
        foreach (var key in keys.Keys)
            if (!allowed.Contains(key))
                throw new ArgumentException($"data spec '{text}': option '{key}' is unknown for {format}" + (allowed.Length > 0 ? $" (it takes {string.Join(", ", allowed)})" : ""));
        int maxPaths = format is "idx" or "npy" ? 2 : 1;
        int minPaths = format == "npy" ? 2 : 1;
        if (paths.Count < minPaths || paths.Count > maxPaths)
            throw new ArgumentException(format switch
            {
                "idx" => $"data spec '{text}': write idx:PREFIX (e.g. idx:/usr/share/datasets/fashion-mnist/t10k) or idx:IMAGES,LABELS",
                "npy" => $"data spec '{text}': write npy:IMAGES.npy,LABELS.npy",
                "npz" => $"data spec '{text}': write npz:FILE.npz[,x=KEY,y=KEY]",
                _ => $"data spec '{text}': write cifar:FOLDER[,split=test|train][,labels=fine|coarse]",
            });
        return new DataSpec(format, [.. paths], keys, text);
    }

    public static LabeledData Load(string text, DataOptions? options = null) => Parse(text).Load(options ?? new DataOptions());

    /// <summary>The normalisation this spec gets when the options give none (null: none, pixels stay in [0, 1]).</summary>
    public (float[] Mean, float[] Std)? DefaultNormalization() => Format switch
    {
        "idx" => FashionMnist,
        "cifar" => Cifar100Folder() ? Cifar100 : Cifar10,
        _ => null,
    };

    private bool Cifar100Folder() =>
        Format == "cifar" && !File.Exists(Path.Combine(Paths[0], "test_batch.bin")) && !File.Exists(Path.Combine(Paths[0], "data_batch_1.bin"))
        && (File.Exists(Path.Combine(Paths[0], "test.bin")) || File.Exists(Path.Combine(Paths[0], "train.bin")));

    public LabeledData Load(DataOptions options)
    {
        if (options.Limit < 0) throw new ArgumentException($"limit {options.Limit} must be ≥ 0");
        var (images, labels, names) = Format switch
        {
            "idx" => LoadIdx(options.Limit),
            "npy" => FromArrays(Npy.Load(Paths[0]), Npy.Load(Paths[1]), Paths[0], Paths[1], options),
            "npz" => LoadNpz(options),
            _ => LoadCifar(options.Limit),
        };
        var norm = options.Mean is not null || options.Std is not null
            ? (options.Mean ?? [0f], options.Std ?? [1f])
            : DefaultNormalization();
        DataChecks.Finite(images, Text, "as stored");
        if (norm is { } n)
        {
            Preprocess.Normalize(images, n.Mean, n.Std);
            DataChecks.Finite(images, Text, "after normalisation (check --mean and --std)");
        }
        return new LabeledData(images, labels, names, Text);
    }

    private (Tensor, long[], string[]?) LoadIdx(int limit)
    {
        string imagesPath, labelsPath;
        if (Paths.Length == 2) (imagesPath, labelsPath) = (Paths[0], Paths[1]);
        else
        {
            string prefix = Directory.Exists(Paths[0]) ? Path.Combine(Paths[0], "t10k") : Paths[0];
            imagesPath = FindIdx(prefix, "images", 3);
            labelsPath = FindIdx(prefix, "labels", 1);
        }
        var images = Idx.Load(imagesPath, limit);
        var labels = Idx.Load(labelsPath, limit);
        if (images.DeclaredCount != labels.DeclaredCount)
            throw new FormatException($"{imagesPath} holds {images.DeclaredCount} images but {labelsPath} holds {labels.DeclaredCount} labels");
        if (labels.Shape.Length != 1) throw new FormatException($"{labelsPath}: labels must be rank 1, got [{string.Join(",", labels.Shape)}]");
        var s = images.Shape;
        Tensor x = s.Length switch
        {
            3 => Preprocess.ScaleBytes(images.Data, [s[0], 1, s[1], s[2]]),
            4 => Preprocess.NhwcToNchw(Preprocess.ScaleBytes(images.Data, s)),
            _ => throw new FormatException($"{imagesPath}: images must be rank 3 (N,H,W) or 4 (N,H,W,C), got [{string.Join(",", s)}]"),
        };
        var y = new long[labels.Count];
        for (int i = 0; i < y.Length; i++) y[i] = labels.Data[i];
        string lower = imagesPath.ToLowerInvariant();
        string[]? names = lower.Contains("fashion") ? FashionMnistClasses
            : lower.Contains("mnist") ? Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray() : null;
        return (x, y, names);
    }

    private static string FindIdx(string prefix, string what, int rank)
    {
        string[] stems = [$"{prefix}-{what}-idx{rank}-ubyte", $"{prefix}-{what}.idx{rank}-ubyte"];
        foreach (var stem in stems)
            foreach (var file in new[] { stem, stem + ".gz" })
                if (File.Exists(file)) return file;
        throw new FileNotFoundException($"no IDX {what} file for '{prefix}': looked for {stems[0]}[.gz] and {stems[1]}[.gz]");
    }

    private (Tensor, long[], string[]?) LoadNpz(DataOptions options)
    {
        var arrays = Npz.Load(Paths[0]);
        string Pick(string key, string[] usual, Func<Tensor, bool> fits)
        {
            if (Keys.TryGetValue(key, out var given))
                return arrays.ContainsKey(given) ? given
                    : throw new FormatException($"{Paths[0]} has no array '{given}'; it holds {string.Join(", ", arrays.Keys)}");
            foreach (var u in usual) if (arrays.ContainsKey(u)) return u;
            var candidates = arrays.Where(p => fits(p.Value)).Select(p => p.Key).ToArray();
            return candidates.Length == 1 ? candidates[0]
                : throw new FormatException($"{Paths[0]}: cannot tell which array holds the {(key == "x" ? "images" : "labels")} (arrays: {string.Join(", ", arrays.Keys)}); name it with {key}=KEY");
        }
        string xKey = Pick("x", ["x", "images", "x_test", "X"], t => t.Rank >= 3);
        string yKey = Pick("y", ["y", "labels", "y_test", "Y"], t => t.Rank == 1);
        return FromArrays(arrays[xKey], arrays[yKey], $"{Paths[0]}:{xKey}", $"{Paths[0]}:{yKey}", options);
    }

    private static (Tensor, long[], string[]?) FromArrays(Tensor x, Tensor y, string xName, string yName, DataOptions options)
    {
        if (y.Rank == 2 && y.Shape[1] == 1) y = y.View([y.Shape[0]]);
        if (y.Rank != 1) throw new FormatException($"{yName}: labels must be rank 1 (N), got {y}");
        if (x.Rank == 3) x = x.View([x.Shape[0], 1, x.Shape[1], x.Shape[2]]);
        if (x.Rank != 4) throw new FormatException($"{xName}: images must be rank 3 (N,H,W) or 4 (N,C,H,W / N,H,W,C), got {x}");
        if (x.Shape[0] != y.Shape[0]) throw new FormatException($"{xName} holds {x.Shape[0]} images but {yName} holds {y.Shape[0]} labels");
        int n = Math.Min(x.Shape[0], options.Limit);
        int per = x.Length / Math.Max(x.Shape[0], 1);
        int[] shape = [n, x.Shape[1], x.Shape[2], x.Shape[3]];
        Tensor images;
        if (x.IsFloating)
        {
            images = Tensor.Zeros(DataType.Float, shape);
            x.Floats[..(n * per)].CopyTo(images.Floats);
        }
        else
        {
            // Integer pixels: uint8 scales to [0, 1]; other integer types are taken as values.
            images = Tensor.Zeros(DataType.Float, shape);
            var src = x.Longs;
            var dst = images.Floats;
            bool bytes = x.Type == DataType.UInt8;
            for (int i = 0; i < n * per; i++) dst[i] = bytes ? src[i] / 255f : src[i];
        }
        bool nhwc = options.Layout == DataLayout.Nhwc
            || options.Layout == DataLayout.Auto && shape[3] is 1 or 3 or 4 && shape[1] is not (1 or 3 or 4);
        if (nhwc) images = Preprocess.NhwcToNchw(images);
        var y64 = y.IsFloating ? DataChecks.IntegralLabels(y.Floats[..n], yName) : y.ToLongArray()[..n];
        return (images, y64, null);
    }

    private (Tensor, long[], string[]?) LoadCifar(int limit)
    {
        string split = Keys.TryGetValue("split", out var s) ? s : "test";
        var label = Keys.TryGetValue("labels", out var l)
            ? l switch { "fine" => CifarLabel.Fine, "coarse" => CifarLabel.Coarse, _ => throw new ArgumentException($"CIFAR labels '{l}' is unknown; use fine or coarse") }
            : CifarLabel.Fine;
        var (variant, files) = Cifar.Find(Paths[0], split);
        var data = Cifar.Load(files, variant, label, limit);
        var x = Preprocess.ScaleBytes(data.Pixels, [data.Count, CifarImages.Channels, CifarImages.Height, CifarImages.Width]);
        return (x, data.Labels, data.ClassNames);
    }
}
