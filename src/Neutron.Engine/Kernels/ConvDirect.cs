// Ungrouped convolution without im2col: output pixels are the rows of the product, output channels its vector lanes.
//   x: (N, C, H, W)   w: (M, C, kH, kW)   b: (M) or null   y: (N, M, oH, oW)
// The filters are packed as [patch element][M rounded up to the lanes], and a micro-kernel (ConvDirectAvx2/Avx512)
// multiplies twelve pixels at a time, each pixel reading its window through a table of tap offsets: from the input
// as it lies, its windows clipped at the image's edges when enough taps fall on the padding (WindowTaps), else from
// a copy in zero-padded planes (none when the layer has no padding). Layers with few output channels (ResNet-20's
// 16, LeNet's 6 and 16) fill the vectors, small planes (7×7) waste nothing, and strides cost nothing extra. Each
// chunk is transposed into the NCHW output while it is in cache, bias and activation applied on the way.
// Arithmetic: per output element, an FMA chain from zero over each 256-long block of the patch in (c, ky, kx)
// order, blocks added in turn (block + sum so far), padding taps multiplied as zeros (or skipped, the same bits for
// finite weights: WindowTaps), then + bias: the bits of the im2col + Gemm32 path (ConvKernels.Forward), so the fault
// runner's ConvChannel and GemmSlices still reproduce the layer. Element is the scalar twin (the tests' oracle). No
// threads here: Run takes the operator's parallel loop.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Output pixels per micro-kernel tile.</summary>
    public const int Rows = 12;

    /// <summary>The summation block of every element: Gemm32Avx2.KC, which ConvChannel repeats.</summary>
    private const int Block = Gemm32Avx2.KC;

    /// <summary>Most floats of padded input at once (16 MB): larger batches run in groups of images, so a batch of 250
    /// 224² images does not hold a copy of its whole input.</summary>
    private const int PaddedFloats = 4 << 20;

    /// <summary>Most pixels in one chunk (its tile bases live on the stack).</summary>
    private const int MaxChunk = 1536;

    /// <summary>A parallel loop over [0, count) with the work of one item: the operator's (Parallelism.For) or a plain one.</summary>
    public delegate void ForEach(int count, long workPerItem, Action<int> body);

    /// <summary>Whether a convolution runs here under this kernel set: ungrouped, and a vector set the CPU has.</summary>
    public static bool Supports(KernelVariant variant, Conv2D g) =>
        g.Group == 1 && variant != KernelVariant.Scalar && KernelSet.IsSupported(variant);

    /// <summary>
    /// The most roundings a product of an element's patch of `patch` taps passes through here (tap 0's): an error
    /// bound of the element's sum, γ of this times the sum of the absolute terms, needs no more.
    /// </summary>
    public static int RoundingDepth(int patch) => TapRoundings(patch, 0);

    /// <summary>
    /// The roundings the product of tap `tap` (in (c, ky, kx) order) of a patch of `patch` taps passes through: the
    /// FMAs of its block's chain from its own on (the first rounds the product itself), the additions of the blocks
    /// after the first that include its block's sum, and the bias. Its share of the element's error is at most γ of
    /// this times |product|.
    /// </summary>
    public static int TapRoundings(int patch, int tap)
    {
        int blocks = (patch + Block - 1) / Block, block = tap / Block, length = Math.Min(Block, patch - block * Block);
        return length - tap % Block + blocks - Math.Max(block, 1) + 1;
    }

    /// <summary>Output channels per vector: sixteen under avx512 when there are more than eight, else eight.</summary>
    private static int Lanes(KernelVariant variant, Conv2D g) => variant == KernelVariant.Avx512 && g.M > 8 ? 16 : 8;

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>The padded input planes a layer reads: Hp × Wp per channel; Copy false when the input needs no padding.
    /// Channels-last planes hold each pixel's C channels side by side ([Hp][Wp][C]), so a pixel is PixelStride
    /// floats from the next and a channel ChannelStride from the next.</summary>
    private readonly record struct Planes(int Hp, int Wp, bool Copy, int C = 0, bool ChannelsLast = false)
    {
        public int Plane => Hp * Wp;

        /// <summary>A padded channels-last copy leaves a cache line after each pixel's channels: with 512 channels,
        /// pixels 2 KB apart fall in two L1 sets only, and the taps of a tile's pixels evicted each other before
        /// their next channel was read (ResNet-18's layer4 convolutions ran 40 % slower than from NCHW).</summary>
        private const int Skew = 16;

        /// <summary>Channels from which a pixel gets the skew: with fewer, a tile's pixels already fall in distinct
        /// sets and the skew only adds memory to copy and read (ResNet-20's 16 → 32 stride-2 layer ran 7 % faster
        /// without it; a 128-channel layer 1 % slower).</summary>
        private const int SkewFrom = 128;

        public int PixelStride => ChannelsLast ? (Copy && C >= SkewFrom ? C + Skew : C) : 1;

        public int ChannelStride => ChannelsLast ? 1 : Plane;

        /// <summary>Floats of one image's planes.</summary>
        public int ImageFloats => ChannelsLast ? Plane * PixelStride : C * Plane;

        public static Planes Of(Conv2D g, bool channelsLast = false) =>
            g.PadTop == 0 && g.PadLeft == 0 && g.PadBottom == 0 && g.PadRight == 0
                ? new Planes(g.H, g.W, false, g.C, channelsLast)
                : new Planes((g.OutH - 1) * g.StrideH + (g.KH - 1) * g.DilationH + 1, (g.OutW - 1) * g.StrideW + (g.KW - 1) * g.DilationW + 1, true, g.C, channelsLast);
    }

    /// <summary>y = conv(x, w) + b (+ shortcut), then the epilogue, for every image of g, with the given kernel set and
    /// loop; paddedFloats bounds the padded input held at once (tests lower it to run several groups of images); keep,
    /// when given, holds the packed filters between runs (weights that never change). x, and y with the shortcut, are
    /// NCHW, or NHWC (channels last) when inputChannelsLast or outputChannelsLast say so: the same arithmetic per
    /// element either way, so the same bits. A channels-last y may be wider than the layer (outputRows): its part of a
    /// channel Concat's output.</summary>
    public static void Run(KernelVariant variant, Conv2D g, float[] x, float[] w, float[]? b, float[] y, Activation epilogue, ForEach forEach,
        int paddedFloats = PaddedFloats, Shortcut? shortcut = null, PackedFilters? keep = null, bool inputChannelsLast = false, bool outputChannelsLast = false,
        PixelRows? outputRows = null)
    {
        if (shortcut is { } added && added.Values.Length < (long)g.N * g.M * g.OutSpatial)
            throw new ArgumentException($"the shortcut has {added.Values.Length} floats, the output {(long)g.N * g.M * g.OutSpatial}", nameof(shortcut));
        if (!Supports(variant, g)) throw new ArgumentException($"ConvDirect runs ungrouped convolutions under a vector kernel set, not group {g.Group} under {variant}", nameof(g));
        if (outputRows is { } wide && (!outputChannelsLast || shortcut is not null || wide.Offset < 0 || wide.Stride < wide.Offset + g.M
            || y.Length < (long)g.N * g.OutSpatial * wide.Stride))
            throw new ArgumentException($"output rows of {wide.Stride} floats from channel {wide.Offset} do not hold this layer's {g.M} channels (channels last)", nameof(outputRows));
        PixelRows? rows = outputChannelsLast ? outputRows ?? new PixelRows(g.M, 0) : null;
        int group = Math.Clamp(paddedFloats / Math.Max(1, Planes.Of(g, inputChannelsLast).ImageFloats), 1, g.N);
        for (int n0 = 0; n0 < g.N; n0 += group)
        {
            var part = g with { N = Math.Min(group, g.N - n0) };
            if (!inputChannelsLast && rows is null && ChannelRowsPay(variant, part))
            {
                if (ChannelRowsInPlace(part)) RunChannelRowsInPlace(variant, part, n0, x, w, b, y, shortcut, epilogue, forEach, keep);
                else RunChannelRows(variant, part, n0, x, w, b, y, shortcut, epilogue, forEach, keep);
            }
            else RunPixelRows(variant, part, n0, x, w, b, y, shortcut, epilogue, forEach, keep, inputChannelsLast, rows);
        }
    }

    /// <summary>Images [n0, n0 + g.N) of x and y with pixels as rows.</summary>
    private static void RunPixelRows(KernelVariant variant, Conv2D g, int n0, float[] x, float[] w, float[]? b, float[] y, Shortcut? shortcut,
        Activation epilogue, ForEach forEach, PackedFilters? keep, bool inputChannelsLast, PixelRows? rows)
    {
        var planes = Planes.Of(g, inputChannelsLast);
        // Windows clipped at the image's edges read the input in place; infinite or NaN weights need the padding
        // multiplied (WindowTaps).
        bool clipped = ClipsWindows(variant, g) && (keep?.AllFinite(w) ?? FiniteValues.All(w));
        if (clipped) planes = new Planes(g.H, g.W, false, g.C, inputChannelsLast);
        int k = g.PatchSize, lanes = Lanes(variant, g), mp = RoundUp(g.M, lanes);
        int perImage = g.C * g.H * g.W, paddedImage = planes.ImageFloats;
        var split = Split.Of(g.N * g.OutSpatial, mp, k);
        // Parts of two images or more pad the images they read into their own scratch, which stays in L2 while the
        // part runs; otherwise (small parts, or channel groups sharing a part's pixels) one padded copy is shared.
        bool ownPadding = planes.Copy && split.Groups == 1 && split.TilesPerPart * Rows >= 2 * g.OutSpatial;
        float[]? padded = null;
        if (planes.Copy && !ownPadding)
        {
            padded = ScratchPool.Rent(g.N * paddedImage);
            forEach(g.N, paddedImage, n => Pad(variant, g, planes, x.AsSpan((n0 + n) * perImage, perImage), padded.AsSpan(n * paddedImage, paddedImage)));
        }
        var taps = WindowTaps.Of(g, planes, clipped);
        int filterFloats = taps.Offsets.Length * mp;
        void Pack(float[] packed)
        {
            if (!taps.Clipped)
            {
                PackFilters(variant, g, w, mp, packed, forEach);
                return;
            }
            var whole = ScratchPool.Rent(k * mp);
            PackFilters(variant, g, w, mp, whole, forEach);
            taps.Pack(variant, k, mp, whole, packed);
            ScratchPool.Return(whole);
        }
        var filters = keep?.Get(w, new(false, mp, k, variant, taps.Classes), filterFloats, Pack) ?? ScratchPool.Rent(filterFloats);
        if (keep is null) Pack(filters);
        forEach(split.Tasks, (long)split.TilesPerPart * Rows * split.Width * k, task =>
        {
            var (first, count, m0, width) = split.Task(task, mp);
            // Pixels in order fill whole tiles, the last one past the chunk's pixels; sorted by class, rows past the
            // pixels all go to row count.
            var product = ScratchPool.Rent((RoundUp(count, Rows) + 1) * width);
            // input holds images [origin, …) of the batch (x: all of them), one every stride floats.
            float[] input = padded ?? x;
            int origin = padded is null ? 0 : n0, stride = paddedImage;
            if (ownPadding)
            {
                int from = first / g.OutSpatial, to = (first + count - 1) / g.OutSpatial + 1;
                input = ScratchPool.Rent((to - from) * paddedImage);
                for (int n = from; n < to; n++)
                    Pad(variant, g, planes, x.AsSpan((n0 + n) * perImage, perImage), input.AsSpan((n - from) * paddedImage, paddedImage));
                origin = n0 + from;
            }
            Chunk(variant, g, n0, input, origin, stride, planes, filters, mp, taps, b, first, count, m0, width, product, y, shortcut, epilogue, rows);
            if (ownPadding) ScratchPool.Return(input);
            ScratchPool.Return(product);
        });
        if (keep is null) ScratchPool.Return(filters);
        if (padded is not null) ScratchPool.Return(padded);
    }

    /// <summary>One image's channels into planes of Hp × Wp, the input at (PadTop, PadLeft), zeros around it. Rows are
    /// short (28 floats in ResNet-20), so each is written with a few vector stores rather than Clear and CopyTo calls.</summary>
    private static void Pad(KernelVariant variant, Conv2D g, Planes planes, ReadOnlySpan<float> x, Span<float> dst)
    {
        int wp = planes.Wp, copy = Math.Min(g.W, wp - g.PadLeft);
        if (dst.Length < planes.ImageFloats || x.Length < g.C * g.H * g.W) throw new ArgumentException("planes too small for the layer");
        if (planes.ChannelsLast)
        {
            PadChannelsLast(variant, g, planes, x, dst);
            return;
        }
        bool wide = variant == KernelVariant.Avx512;
        fixed (float* xp = x, dp = dst)
            for (int c = 0; c < g.C; c++)
            {
                float* src = xp + (long)c * g.H * g.W, plane = dp + (long)c * planes.Plane;
                for (int row = 0; row < planes.Hp; row++)
                {
                    float* line = plane + (long)row * wp;
                    int iy = row - g.PadTop;
                    if ((uint)iy >= (uint)g.H || copy <= 0)
                    {
                        ZeroRow(line, wp);
                        continue;
                    }
                    for (int i = 0; i < g.PadLeft; i++) line[i] = 0f;
                    if (wide) CopyRow512(src + (long)iy * g.W, line + g.PadLeft, copy);
                    else CopyRow(src + (long)iy * g.W, line + g.PadLeft, copy);
                    for (int i = g.PadLeft + copy; i < wp; i++) line[i] = 0f;
                }
            }
    }

    /// <summary>Pad for channels-last planes: pixel (iy, ix) of the image at (PadTop + iy, PadLeft + ix), its C
    /// channels PixelStride floats after the previous pixel's; zeros for the pixels around the image (the skew
    /// after each pixel's channels is never read).</summary>
    private static void PadChannelsLast(KernelVariant variant, Conv2D g, Planes planes, ReadOnlySpan<float> x, Span<float> dst)
    {
        int c = g.C, ps = planes.PixelStride;
        bool wide = variant == KernelVariant.Avx512;
        // Without the skew, the image's pixels of a row lie side by side in the copy too: one copy per row.
        int inRow = Math.Min(g.W, planes.Wp - g.PadLeft);
        bool wholeRows = ps == c && inRow > 0;
        fixed (float* xp = x, dp = dst)
            for (int row = 0; row < planes.Hp; row++)
            {
                float* d = dp + (long)row * planes.Wp * ps;
                int iy = row - g.PadTop;
                if (wholeRows)
                {
                    if ((uint)iy >= (uint)g.H)
                    {
                        ZeroRow(d, planes.Wp * c);
                        continue;
                    }
                    ZeroRow(d, g.PadLeft * c);
                    if (wide) CopyRow512(xp + (long)iy * g.W * c, d + g.PadLeft * c, inRow * c);
                    else CopyRow(xp + (long)iy * g.W * c, d + g.PadLeft * c, inRow * c);
                    ZeroRow(d + (g.PadLeft + inRow) * c, (planes.Wp - g.PadLeft - inRow) * c);
                    continue;
                }
                for (int col = 0; col < planes.Wp; col++)
                {
                    int ix = col - g.PadLeft;
                    float* pixel = d + (long)col * ps;
                    if ((uint)iy >= (uint)g.H || (uint)ix >= (uint)g.W) ZeroRow(pixel, c);
                    else if (wide) CopyRow512(xp + ((long)iy * g.W + ix) * c, pixel, c);
                    else CopyRow(xp + ((long)iy * g.W + ix) * c, pixel, c);
                }
            }
    }

    /// <summary>n zeros at d: whole vectors, then one vector ending at d + n (overlapping), or floats when n &lt; 8.</summary>
    private static void ZeroRow(float* d, int n)
    {
        if (n < Vector256<float>.Count)
        {
            for (int i = 0; i < n; i++) d[i] = 0f;
            return;
        }
        int j = 0;
        for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count) Vector256<float>.Zero.Store(d + j);
        if (j < n) Vector256<float>.Zero.Store(d + n - Vector256<float>.Count);
    }

    /// <summary>n floats from s to d, sixteen at a time (under avx512), as CopyRow.</summary>
    private static void CopyRow512(float* s, float* d, int n)
    {
        if (n < Vector512<float>.Count)
        {
            CopyRow(s, d, n);
            return;
        }
        int j = 0;
        for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count) Vector512.Load(s + j).Store(d + j);
        if (j < n) Vector512.Load(s + n - Vector512<float>.Count).Store(d + n - Vector512<float>.Count);
    }

    /// <summary>n floats from s to d, as ZeroRow writes them.</summary>
    private static void CopyRow(float* s, float* d, int n)
    {
        if (n < Vector256<float>.Count)
        {
            for (int i = 0; i < n; i++) d[i] = s[i];
            return;
        }
        int j = 0;
        for (; j + Vector256<float>.Count <= n; j += Vector256<float>.Count) Vector256.Load(s + j).Store(d + j);
        if (j < n) Vector256.Load(s + n - Vector256<float>.Count).Store(d + n - Vector256<float>.Count);
    }

    /// <summary>Channels of the panel that starts at packed channel j: the width of the tile Chunk runs there.</summary>
    private static int PanelWidth(KernelVariant variant, int mp, int j) =>
        variant == KernelVariant.Avx512 && mp % 16 == 0 ? (mp - j >= 32 ? 32 : 16) : (mp - j >= 16 ? 16 : 8);

    /// <summary>The filters as panels: the panel of channels [j, j + width) holds [patch element][width] at j·k, so a
    /// tile streams its filters from one contiguous run; zeros for the channels m in [M, mp). Every panel but the
    /// last has the first one's width. Panels are packed in parallel, 8 × 8 blocks at a time (a copy).</summary>
    private static void PackFilters(KernelVariant variant, Conv2D g, float[] w, int mp, float[] packed, ForEach forEach)
    {
        int k = g.PatchSize, step = PanelWidth(variant, mp, 0);
        forEach((mp + step - 1) / step, (long)step * k, panel =>
        {
            int j = panel * step, width = PanelWidth(variant, mp, j), real = Math.Clamp(g.M - j, 0, width);
            int real8 = real / 8 * 8, k8 = k / 8 * 8;
            fixed (float* wp = w, pp = packed)
            {
                float* dst = pp + (long)j * k, src = wp + (long)j * k;
                for (int p = 0; p < k8; p += 8)
                    for (int q = 0; q < real8; q += 8)
                        Transpose8x8(src + (long)q * k + p, k, dst + (long)p * width + q, width);
                for (int p = 0; p < k; p++)
                {
                    float* row = dst + (long)p * width;
                    for (int q = p < k8 ? real8 : 0; q < real; q++) row[q] = src[(long)q * k + p];
                    for (int q = real; q < width; q++) row[q] = 0f;
                }
            }
        });
    }

    /// <summary>Where patch element (c, ky, kx) lies in the padded planes, relative to its pixel's window corner.</summary>
    private static void TapOffsets(Conv2D g, Planes planes, Span<int> offsets)
    {
        int p = 0, ps = planes.PixelStride, cs = planes.ChannelStride;
        for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.KH; ky++)
                for (int kx = 0; kx < g.KW; kx++)
                    offsets[p++] = c * cs + (ky * g.DilationH * planes.Wp + kx * g.DilationW) * ps;
    }

    /// <summary>Pixels [first, first + count) of the batch (image-major, then oy, ox), packed channels
    /// [m0, m0 + width): the product rows have width floats, row i for pixel first + i. Image n0 + n of the batch is
    /// image n0 + n − origin of input, stride floats apart.</summary>
    [SkipLocalsInit]
    private static void Chunk(KernelVariant variant, Conv2D g, int n0, float[] input, int origin, int stride, Planes planes, float[] filters, int mp,
        WindowTaps taps, float[]? b, int first, int count, int m0, int width, float[] product, float[] y, Shortcut? shortcut, Activation epilogue,
        PixelRows? rows)
    {
        int os = g.OutSpatial, k = g.PatchSize, classes = taps.Classes;
        // The chunk's pixels sorted by window class, each class in whole tiles: slot s holds the window base of a pixel
        // and its product row; a class's last tile repeats its last pixel into row count (computed, never copied out).
        Span<int> classStart = stackalloc int[classes + 1], next = stackalloc int[classes];
        int firstImage = first / os, lastImage = (first + count) / os, from = first % os, to = (first + count) % os;
        classStart[0] = 0;
        for (int c = 0; c < classes; c++)
        {
            int inChunk = !taps.Clipped ? count : lastImage == firstImage ? taps.Before(to, c) - taps.Before(from, c)
                : taps.Before(os, c) - taps.Before(from, c) + (lastImage - firstImage - 1) * taps.Before(os, c) + taps.Before(to, c);
            next[c] = classStart[c];
            classStart[c + 1] = classStart[c] + RoundUp(inChunk, Rows);
        }
        Span<int> bases = stackalloc int[classStart[classes]], productRows = stackalloc int[taps.Clipped ? classStart[classes] : 0];
        long firstBase, lastBase;
        fixed (int* pixelClass = taps.PixelClass, pixelOffset = taps.PixelOffset)
        {
            int last = (first + count - 1) % os;
            firstBase = (long)(n0 + firstImage - origin) * stride + pixelOffset[from];
            lastBase = (long)(n0 + (first + count - 1) / os - origin) * stride + pixelOffset[last];
            int at = from, imageBase = (n0 + firstImage - origin) * stride;
            if (taps.Clipped)
                for (int i = 0; i < count; i++)
                {
                    int slot = next[pixelClass[at]]++;
                    bases[slot] = imageBase + pixelOffset[at];
                    productRows[slot] = i;
                    if (++at < os) continue;
                    at = 0;
                    imageBase += stride;
                }
            else
            {
                // One class: pixels in order, each its own product row, window corners walked without a table.
                int oy = from / g.OutW, ox = from % g.OutW, ps = planes.PixelStride, rowStep = g.StrideH * planes.Wp * ps, rowBase = oy * rowStep;
                for (int i = 0; i < count; i++)
                {
                    bases[i] = imageBase + rowBase + ox * g.StrideW * ps;
                    if (++ox < g.OutW) continue;
                    ox = 0;
                    rowBase += rowStep;
                    if (++oy < g.OutH) continue;
                    oy = 0;
                    rowBase = 0;
                    imageBase += stride;
                }
                next[0] = count;
            }
        }
        for (int c = 0; c < classes; c++)
            for (int slot = next[c]; slot < classStart[c + 1]; slot++)
            {
                bases[slot] = bases[slot - 1];
                if (taps.Clipped) productRows[slot] = count;
            }
        fixed (float* xp = input, fp = filters, op = product)
        fixed (int* tp = taps.Offsets, bp = bases, rp = productRows)
        {
            // Windows clipped at the edges read the input where the previous layer left it, mostly in L3: brought
            // into L2 first, as a padded copy would bring it (ResNet-20's 14 × 14 layers ran 8 % slower without).
            if (taps.Clipped && Sse.IsSupported)
            {
                long low = Math.Max(0, firstBase), high = Math.Min(input.Length, lastBase + taps.Reach);
                for (long at = low; at < high; at += 16) Sse.Prefetch1(xp + at);
            }
            for (int block = 0; block < taps.Blocks; block++)
            {
                bool firstBlock = block == 0;
                for (int j = m0; j < m0 + width;)
                {
                    int pw = PanelWidth(variant, mp, j);
                    float* o = op + (j - m0);
                    for (int c = 0; c < classes; c++)
                    {
                        int s0 = classStart[c], tiles = (classStart[c + 1] - s0) / Rows;
                        if (tiles == 0) continue;
                        int t0 = taps.Starts[c * (taps.Blocks + 1) + block], kc = taps.Starts[c * (taps.Blocks + 1) + block + 1] - t0;
                        int classFirst = taps.First[c], classTaps = taps.First[c + 1] - classFirst;
                        float* f = fp + (long)classFirst * mp + (long)j * classTaps + (long)(t0 - classFirst) * pw;
                        int* off = tp + t0, tb = bp + s0;
                        if (taps.Clipped) Tiles(variant, pw, mp, f, off, kc, xp, tb, tiles, o, new RowList(rp + s0), width, firstBlock);
                        else Tiles(variant, pw, mp, f, off, kc, xp, tb, tiles, o + (long)s0 * width, new RowRun(), width, firstBlock);
                    }
                    j += pw;
                }
            }
        }
        // The transpose into NCHW adds the bias and the shortcut and applies the activation on the way (the padding
        // channels are computed and never copied out).
        int channels = Math.Min(width, g.M - m0);
        var bias = b is null ? [] : b.AsSpan(m0, channels);
        if (rows is { } pixelRows)
        {
            var copyRows = new CopyOutRows(g, n0, first, count, product, width, m0, channels, bias, shortcut, epilogue, y, pixelRows);
            VectorActivations.With(epilogue, ref copyRows);
            return;
        }
        var copy = new CopyOut(g, n0, first, count, product, width, m0, channels, bias, shortcut, epilogue, y);
        VectorActivations.With(epilogue, ref copy);
    }

    /// <summary>The tiles of rows [0, tiles · Rows) of bases, stored to the product rows rows names in o.</summary>
    private static void Tiles<TRows>(KernelVariant variant, int pw, int mp, float* f, int* offsets, int kc, float* x, int* bases, int tiles, float* o,
        TRows rows, int width, bool firstBlock) where TRows : struct, IProductRows<TRows>
    {
        if (pw == 32 || (pw == 16 && variant == KernelVariant.Avx512 && mp % 16 == 0))
        {
            for (int t = 0, r = 0; t < tiles; t++, r += Rows)
                if (pw == 32) ConvDirectAvx512.Tile12x32(f, offsets, kc, x, bases + r, rows.Output(o, r, width), rows.From(r), width, firstBlock);
                else ConvDirectAvx512.Tile12x16(f, offsets, kc, x, bases + r, rows.Output(o, r, width), rows.From(r), width, firstBlock);
        }
        else if (pw == 16)
        {
            for (int t = 0, r = 0; t < 2 * tiles; t++, r += 6)
                ConvDirectAvx2.Tile6x16(f, pw, offsets, kc, x, bases + r, rows.Output(o, r, width), rows.From(r), width, firstBlock);
        }
        else
        {
            for (int t = 0, r = 0; t < tiles; t++, r += Rows)
                ConvDirectAvx2.Tile12x8(f, pw, offsets, kc, x, bases + r, rows.Output(o, r, width), rows.From(r), width, firstBlock);
        }
    }

    /// <summary>
    /// The scalar twin: output (n, m, oy, ox) before the epilogue, as Run computes it, from the unpadded input.
    /// </summary>
    public static float Element(Conv2D g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, int n, int m, int oy, int ox)
    {
        int k = g.PatchSize;
        float sum = 0f;
        for (int kb = 0; kb < k; kb += Block)
        {
            float block = 0f;
            for (int p = kb; p < Math.Min(k, kb + Block); p++)
            {
                int c = p / (g.KH * g.KW), ky = p / g.KW % g.KH, kx = p % g.KW;
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                float v = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W ? x[((n * g.C + c) * g.H + iy) * g.W + ix] : 0f;
                block = MathF.FusedMultiplyAdd(w[m * k + p], v, block);
            }
            sum = kb == 0 ? block : block + sum;
        }
        return b.IsEmpty ? sum : sum + b[m];
    }
}
