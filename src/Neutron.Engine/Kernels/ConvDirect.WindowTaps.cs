// The pixel-rows path's taps, grouped by the image edges a window crosses. A window inside the image reads every
// patch element; one that crosses an edge reads only its elements inside the image, straight from the unpadded
// input, so the layer needs no padded copy and multiplies no padding. Skipping a tap over the padding leaves the FMA
// chain as multiplying it by zero does (a chain from +0 adding ±0 stays where it is) as long as no weight is
// infinite or NaN (0 · ∞ = NaN): with such weights the layer runs on padded planes, every tap multiplied.
// The one difference: a sum whose every nonzero product underflowed to −0 stays −0 here, where a later padding tap
// would make it +0.
using System.Collections.Concurrent;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Most window classes clipped at the edges; a layer with more (a wide kernel over a small plane) runs on
    /// padded planes. Chunks hold one partial tile per class at most, on the stack.</summary>
    private const int MaxWindowClasses = 25;

    /// <summary>Whether the pixel-rows path clips the windows of g at the image's edges under variant when its weights
    /// are finite.</summary>
    internal static bool ClipsWindows(KernelVariant variant, Conv2D g)
    {
        if ((g.PadTop | g.PadLeft | g.PadBottom | g.PadRight) == 0) return false;
        if (savings.Count > MaxKept) savings.Clear();
        var (saved, classTaps, classes) = savings.GetOrAdd(g with { N = 1 }, WindowTaps.Savings);
        int mp = RoundUp(g.M, Lanes(variant, g));
        return saved >= MinSaved && Split.Of(g.N * g.OutSpatial, mp, g.PatchSize).TilesPerPart >= MinTilesPerClass * classes
            && (classTaps * mp <= CachedFilterFloats || saved * g.N * g.OutSpatial >= MinSavedPixels);
    }

    /// <summary>The share of a layer's taps over the padding from which clipping pays.</summary>
    private const double MinSaved = 0.08;

    /// <summary>Each class's filters are packed apart, 5.4 times the whole patch's for a 3 × 3 window, and a small class
    /// reads its own over few tiles: that pays when they stay in L2 (ResNet-20's, 0.8 MB at most), or when enough
    /// pixels skip their padding taps (MinSavedPixels: the share saved times the pixels). ResNet-18's 14 × 14 and
    /// 7 × 7 layers at batch 8 (12.7 and 51 MB of class filters, 150 and 70 pixels' worth saved) ran 1.5 and 2.5
    /// times slower clipped.</summary>
    private const long CachedFilterFloats = 1 << 18;

    private const double MinSavedPixels = 1000;

    /// <summary>Tiles of a part per window class, at least: each class ends in a partial tile (DenseNet-121's 4 × 4
    /// layers at batch 8, parts of 16 pixels in up to nine classes, ran 3.4 times slower clipped).</summary>
    private const int MinTilesPerClass = 4;

    // Kept by geometry: a layer runs once per batch, and small layers (a 1 × 1 shortcut, 0.3 ms at 256 images) felt
    // the tables built each run. The tables do not depend on the batch, so they are kept under a geometry of one
    // image: the fault runner runs each layer over ever-changing numbers of perturbed images. Its boxes still bring
    // many geometries: past a bound, the tables are built again rather than kept.
    private const int MaxKept = 512;
    private static readonly ConcurrentDictionary<Conv2D, (double, long, int)> savings = new();
    private static readonly ConcurrentDictionary<(Conv2D, Planes, bool), WindowTaps> windowTaps = new();

    /// <summary>
    /// The taps of a layer's windows, class by class: pixels whose windows keep the same rows ky and columns kx share
    /// a class (RowClass[oy] · Columns + ColumnClass[ox]). Class c's taps are Offsets[First[c] .. First[c + 1]) (input
    /// offsets from the pixel's base) of the patch elements Patch[…], in patch order; its taps of summation block b
    /// begin at Starts[c·(Blocks + 1) + b]. Its filters are packed apart, as PackFilters packs a whole patch, from
    /// First[c] · mp on (Pack). A pixel's base is its window's corner: before the image when the padding was not
    /// copied.
    /// </summary>
    private sealed class WindowTaps
    {
        public required int[] RowClass { get; init; }
        public required int[] ColumnClass { get; init; }
        public required int Columns { get; init; }
        public required int Classes { get; init; }
        public required int Blocks { get; init; }
        public required int[] Offsets { get; init; }
        public required int[] Patch { get; init; }
        public required int[] First { get; init; }
        public required int[] Starts { get; init; }
        /// <summary>The class of each output pixel s = oy · OutW + ox of an image.</summary>
        public required int[] PixelClass { get; init; }

        /// <summary>Where pixel s's window base lies from the start of its image's planes.</summary>
        public required int[] PixelOffset { get; init; }

        /// <summary>Pixels of each class before pixel s of an image: [s · Classes + c], s up to OutH · OutW.</summary>
        private int[] ClassesBefore { get; init; } = [];

        /// <summary>Pixels of class c among an image's first s.</summary>
        public int Before(int s, int c) => ClassesBefore[s * Classes + c];

        /// <summary>One past the farthest float a window reads from its base.</summary>
        public required int Reach { get; init; }

        /// <summary>Whether windows are clipped at the image's edges; if not, they are one class of the whole patch,
        /// whose filters are PackFilters' as they are.</summary>
        public required bool Clipped { get; init; }

        /// <summary>The share of g's taps over the padding (0 with more than MaxWindowClasses window classes), the
        /// taps of every class together, and the classes. Each class ends in a partial tile, and the input read in place comes
        /// from farther away than a padded copy: ResNet-20's 16 → 32 stride-2 layer (28² → 14², 4.6 % of the taps
        /// over the padding) ran 5 % slower clipped, its 14² layers (9.3 %) 6 % faster, its 7² layers (18 %) 14 %
        /// faster.</summary>
        public static (double Saved, long ClassTaps, int Classes) Savings(Conv2D g)
        {
            var (rowClass, rows) = Ranges(g.OutH, g.StrideH, g.DilationH, g.PadTop, g.H, g.KH, true);
            var (columnClass, columns) = Ranges(g.OutW, g.StrideW, g.DilationW, g.PadLeft, g.W, g.KW, true);
            if (rows.Count * columns.Count > MaxWindowClasses) return (0, 0, 0);
            double kept = rowClass.Sum(c => rows[c].To - rows[c].From) / (double)(g.OutH * g.KH)
                * (columnClass.Sum(c => columns[c].To - columns[c].From) / (double)(g.OutW * g.KW));
            long classTaps = (long)rows.Sum(r => r.To - r.From) * columns.Sum(c => c.To - c.From) * g.C;
            return (1 - kept, classTaps, rows.Count * columns.Count);
        }

        /// <summary>The taps of g over planes: clipped at the image's edges (the planes then are the unpadded input),
        /// or every patch element of one class (padded planes, or a layer without padding).</summary>
        public static WindowTaps Of(Conv2D g, Planes planes, bool clipped)
        {
            // The fault runner's boxes bring many small geometries: the tables are rebuilt rather than kept past a bound.
            if (windowTaps.Count > MaxKept) windowTaps.Clear();
            return windowTaps.GetOrAdd((g with { N = 1 }, planes, clipped), key => Make(key.Item1, key.Item2, key.Item3));
        }

        private static WindowTaps Make(Conv2D g, Planes planes, bool clipped)
        {
            var (rowClass, rows) = Ranges(g.OutH, g.StrideH, g.DilationH, g.PadTop, g.H, g.KH, clipped);
            var (columnClass, columns) = Ranges(g.OutW, g.StrideW, g.DilationW, g.PadLeft, g.W, g.KW, clipped);
            int k = g.PatchSize, blocks = (k + Block - 1) / Block, classes = rows.Count * columns.Count;
            int ps = planes.PixelStride, cs = planes.ChannelStride, rowFloats = planes.Wp * ps;
            var offsets = new List<int>();
            var patch = new List<int>();
            var first = new int[classes + 1];
            var starts = new int[classes * (blocks + 1)];
            for (int c = 0; c < classes; c++)
            {
                var (y0, y1) = rows[c / columns.Count];
                var (x0, x1) = columns[c % columns.Count];
                first[c] = offsets.Count;
                int block = 0;
                for (int ch = 0; ch < g.C; ch++)
                    for (int ky = y0; ky < y1; ky++)
                        for (int kx = x0; kx < x1; kx++)
                        {
                            int p = (ch * g.KH + ky) * g.KW + kx;
                            for (; block <= p / Block; block++) starts[c * (blocks + 1) + block] = offsets.Count;
                            offsets.Add(ch * cs + ky * g.DilationH * rowFloats + kx * g.DilationW * ps);
                            patch.Add(p);
                        }
                for (; block <= blocks; block++) starts[c * (blocks + 1) + block] = offsets.Count;
            }
            first[classes] = offsets.Count;
            int os = g.OutH * g.OutW, corner = clipped ? -(g.PadTop * rowFloats + g.PadLeft * ps) : 0;
            var pixelClass = new int[os];
            var pixelOffset = new int[os];
            var before = new int[(os + 1) * classes];
            for (int s = 0; s < os; s++)
            {
                int oy = s / g.OutW, ox = s % g.OutW;
                pixelClass[s] = rowClass[oy] * columns.Count + columnClass[ox];
                pixelOffset[s] = oy * g.StrideH * rowFloats + ox * g.StrideW * ps + corner;
                Array.Copy(before, s * classes, before, (s + 1) * classes, classes);
                before[(s + 1) * classes + pixelClass[s]]++;
            }
            return new WindowTaps
            {
                PixelClass = pixelClass, PixelOffset = pixelOffset, ClassesBefore = before,
                Clipped = clipped, RowClass = rowClass, ColumnClass = columnClass, Columns = columns.Count, Classes = classes, Blocks = blocks,
                Offsets = offsets.ToArray(), Patch = patch.ToArray(), First = first, Starts = starts,
                Reach = offsets.Count == 0 ? 0 : offsets.Max() + 1,
            };
        }

        /// <summary>Each class's filters, cut from the whole patch's (PackFilters' panels, k · mp floats): from
        /// First[c] · mp on, class c's panel of channels [j, j + width) lies at j · (its taps) and holds [its taps][width],
        /// so a tile streams a class's filters as it streams a whole patch's.</summary>
        public void Pack(KernelVariant variant, int k, int mp, float[] whole, float[] packed)
        {
            fixed (float* src = whole, dst = packed)
                for (int c = 0; c < Classes; c++)
                {
                    int taps = First[c + 1] - First[c];
                    float* classFilters = dst + (long)First[c] * mp;
                    for (int j = 0; j < mp;)
                    {
                        int pw = PanelWidth(variant, mp, j);
                        float* from = src + (long)j * k, to = classFilters + (long)j * taps;
                        for (int t = 0; t < taps; t++)
                            new ReadOnlySpan<float>(from + (long)Patch[First[c] + t] * pw, pw).CopyTo(new Span<float>(to + (long)t * pw, pw));
                        j += pw;
                    }
                }
        }

        /// <summary>For each output position along one axis, the class of its window's kernel positions [from, to)
        /// inside the image (all of them unless clipped), and the classes' ranges in order of first use.</summary>
        private static (int[] Of, List<(int From, int To)> Ranges) Ranges(int outSize, int stride, int dilation, int pad, int size, int kernel, bool clipped)
        {
            var of = new int[outSize];
            var ranges = new List<(int, int)>();
            for (int o = 0; o < outSize; o++)
            {
                int from = 0, to = kernel;
                if (clipped)
                {
                    while (from < kernel && o * stride - pad + from * dilation < 0) from++;
                    while (to > from && o * stride - pad + (to - 1) * dilation >= size) to--;
                }
                int at = ranges.IndexOf((from, to));
                if (at < 0)
                {
                    at = ranges.Count;
                    ranges.Add((from, to));
                }
                of[o] = at;
            }
            return (of, ranges);
        }
    }
}
