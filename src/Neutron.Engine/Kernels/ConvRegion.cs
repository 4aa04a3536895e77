// Every output channel of a convolution at the output positions of one rectangle, for one image, bit-identical to
// what the Conv operator (avx2 set) stores there: per output element an FMA chain from zero over each KC block of
// the patch in (c, ky, kx) order, blocks added in turn, padding taps multiplied as zeros, then + bias (the im2col
// GEMM's arithmetic, as ConvChannel reproduces it per channel). Lets a caller recompute only the part of a layer
// whose windows read a changed part of its input. Eight output channels run in the eight lanes of a Vector256, so
// each lane is its own element's chain. Ungrouped convolutions only, and only when GemmSlices.Available.
// Oracle: the tests compare it with the Conv operator over many rectangles and geometries.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

public sealed class ConvRegion
{
    private const int Lanes = 8;
    private const int Block16 = 2 * Lanes; // output channels per pass of the micro-kernel

    private readonly Conv2D g;
    // [output channels o0..o0+16][patch element kk][16]: one pass reads its filters contiguously; padded with zeros
    // past M, and starting on a 64-byte boundary (filterStart) so each kk's sixteen floats are one cache line
    // (12 % faster than [kk][channel] on ResNet-20's 7×7 and 14×14 layers).
    private readonly float[] filters;
    private readonly int filterStart;
    private readonly float[]? bias; // padded to Channels

    /// <summary>Whether rectangles of this convolution can be computed here.</summary>
    public static bool Supports(Conv2D g) => GemmSlices.Available && g.Group == 1;

    // Whether Block512 runs the taps (the avx512 set): sixteen channels per Vector512, the same chains.
    private readonly bool wide;

    /// <summary>Prepares convolution g with filters w (M, C, kH, kW) and biases b (M) or nothing.</summary>
    public ConvRegion(Conv2D g, ReadOnlySpan<float> w, ReadOnlySpan<float> b) : this(g, w, b, KernelSet.Active) { }

    /// <summary>The same with the vectors of a given kernel set: avx2 or avx512, which compute the same bits.</summary>
    public ConvRegion(Conv2D g, ReadOnlySpan<float> w, ReadOnlySpan<float> b, KernelVariant variant)
    {
        wide = variant == KernelVariant.Avx512 && KernelSet.IsSupported(KernelVariant.Avx512);
        if (!Supports(g))
            throw new ArgumentException(g.Group != 1 ? "grouped convolutions have their own arithmetic; run the layer"
                : $"ConvRegion reproduces the avx2 kernel set; this process runs '{KernelSet.Name}'", nameof(g));
        int k = g.PatchSize;
        if (w.Length != g.M * k || (!b.IsEmpty && b.Length != g.M))
            throw new ArgumentException($"filters of {w.Length} or biases of {b.Length} do not fit {g.M} channels of {k} taps");
        this.g = g;
        Channels = (g.M + Lanes - 1) / Lanes * Lanes;
        int passes = (g.M + Block16 - 1) / Block16;
        filters = GC.AllocateArray<float>(passes * k * Block16 + Block16, pinned: true);
        unsafe
        {
            fixed (float* f = filters) filterStart = (int)((64 - (nuint)f % 64) % 64 / sizeof(float));
        }
        for (int o = 0; o < g.M; o++)
            for (int kk = 0; kk < k; kk++) filters[filterStart + (o / Block16 * k + kk) * Block16 + o % Block16] = w[o * k + kk];
        if (!b.IsEmpty)
        {
            bias = new float[Channels];
            b.CopyTo(bias);
        }
    }

    /// <summary>Output channels per position in Forward's result: M rounded up to a multiple of eight.</summary>
    public int Channels { get; }

    /// <summary>
    /// The output rectangle [y0, y1) × [x0, x1) whose windows read any input of rectangle [iy0, iy1) × [ix0, ix1)
    /// (a superset with dilation), clipped to the output; empty (y0 == y1) when none does.
    /// </summary>
    public (int Y0, int Y1, int X0, int X1) OutputsReading(int iy0, int iy1, int ix0, int ix1)
    {
        var (y0, y1) = Reading(iy0, iy1, g.PadTop, g.StrideH, g.DilationH * (g.KH - 1), g.OutH);
        var (x0, x1) = Reading(ix0, ix1, g.PadLeft, g.StrideW, g.DilationW * (g.KW - 1), g.OutW);
        return y0 < y1 && x0 < x1 ? (y0, y1, x0, x1) : (0, 0, 0, 0);
    }

    // Output o reads inputs [o·stride − pad, o·stride − pad + reach]; those meeting [i0, i1).
    private static (int, int) Reading(int i0, int i1, int pad, int stride, int reach, int outSize)
    {
        int first = Math.Max(0, FloorDiv(i0 + pad - reach + stride - 1, stride));
        int last = Math.Min(outSize - 1, FloorDiv(i1 - 1 + pad, stride));
        return (first, Math.Max(first, last + 1));
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// output[p·Channels + o] = output channel o at the p-th position (row-major) of rectangle [y0, y1) × [x0, x1),
    /// for the image x (C, H, W); channels past M hold nothing useful.
    /// </summary>
    public void Forward(ReadOnlySpan<float> x, int y0, int y1, int x0, int x1, Span<float> output) =>
        Forward(x, x, 0, 0, 0, 0, y0, y1, x0, x1, output);

    /// <summary>
    /// The same for an image that is x inside the rectangle [by0, by1) × [bx0, bx1) of every input plane and
    /// `outside` everywhere else (x's elements outside that rectangle are never read): a caller whose image differs
    /// from a reference only inside a box need not write the rest of it.
    /// </summary>
    public unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> outside, int by0, int by1, int bx0, int bx1,
        int y0, int y1, int x0, int x1, Span<float> output)
    {
        int rows = y1 - y0, cols = x1 - x0, area = rows * cols, k = g.PatchSize;
        if (y0 < 0 || x0 < 0 || y1 > g.OutH || x1 > g.OutW || rows <= 0 || cols <= 0)
            throw new ArgumentOutOfRangeException(nameof(y0), $"[{y0}, {y1}) × [{x0}, {x1}) is not a rectangle of the {g.OutH}×{g.OutW} output");
        if (x.Length != g.C * g.H * g.W || outside.Length != x.Length || output.Length < area * Channels)
            throw new ArgumentException($"an image of {x.Length} or an output of {output.Length} floats does not fit");
        // The input window of the rectangle, zero where it lies in the padding: padding taps then multiply zeros.
        int rh = (rows - 1) * g.StrideH + (g.KH - 1) * g.DilationH + 1, rw = (cols - 1) * g.StrideW + (g.KW - 1) * g.DilationW + 1;
        int top = y0 * g.StrideH - g.PadTop, left = x0 * g.StrideW - g.PadLeft;
        // Per thread, not ScratchPool: the fault runner calls this per image from every worker, and the pool's lock
        // then costs more than the copy.
        int size = g.C * rh * rw;
        var window = windowScratch is { } mine && mine.Length >= size ? mine : windowScratch = new float[size];
        int needed = k + area;
        Span<int> offsets = needed <= 4096 ? stackalloc int[needed] : new int[needed]; // taps, then window corners
        {
            for (int c = 0; c < g.C; c++)
            for (int r = 0; r < rh; r++)
            {
                var line = window.AsSpan((c * rh + r) * rw, rw);
                int iy = top + r;
                if ((uint)iy >= (uint)g.H)
                {
                    line.Clear();
                    continue;
                }
                int from = Math.Max(0, -left), to = Math.Min(rw, g.W - left);
                line[..Math.Min(from, rw)].Clear();
                if (to > from)
                {
                    int at = c * g.H * g.W + iy * g.W;
                    bool inBox = iy >= by0 && iy < by1;
                    int b0 = inBox ? Math.Max(from, bx0 - left) : to, b1 = inBox ? Math.Min(to, bx1 - left) : to;
                    if (b1 <= b0) outside.Slice(at + left + from, to - from).CopyTo(line[from..]);
                    else
                    {
                        // Left of the box, the box, right of it.
                        outside.Slice(at + left + from, b0 - from).CopyTo(line[from..]);
                        x.Slice(at + left + b0, b1 - b0).CopyTo(line[b0..]);
                        outside.Slice(at + left + b1, to - b1).CopyTo(line[b1..]);
                    }
                }
                if (to < rw) line[Math.Max(to, 0)..].Clear();
            }
            int tap = 0;
            for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.KH; ky++)
            for (int kx = 0; kx < g.KW; kx++) offsets[tap++] = c * rh * rw + ky * g.DilationH * rw + kx * g.DilationW;
            for (int p = 0; p < area; p++) offsets[k + p] = p / cols * g.StrideH * rw + p % cols * g.StrideW;
            fixed (float* wp = window, fp = filters, op = output)
            fixed (int* tp = offsets)
            {
                for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
                    if (wide) Block512(fp + filterStart, tp, tp + k, area, pc, Math.Min(k, pc + Gemm32Avx2.KC), wp, op, first: pc == 0);
                    else Block(fp + filterStart, tp, tp + k, area, pc, Math.Min(k, pc + Gemm32Avx2.KC), wp, op, first: pc == 0);
                if (bias is not null)
                    fixed (float* bp = bias)
                        for (int p = 0; p < area; p++)
                        for (int o = 0; o < Channels; o += Lanes)
                        {
                            float* s = op + p * Channels + o;
                            Avx.Store(s, Avx.Add(Avx.LoadVector256(s), Avx.LoadVector256(bp + o)));
                        }
            }
        }
    }

    [ThreadStatic] private static float[]? windowScratch;

    // Taps [from, to) (one KC block) for every position and channel: a chain from zero per element, four positions
    // by sixteen channels at a time so eight FMA latencies overlap; the block's sum is stored (first block) or
    // added to the running sum, as Gemm32Avx2's epilogue does.
    private unsafe void Block(float* filter, int* taps, int* corners, int area, int from, int to, float* window, float* sums, bool first)
    {
        int k = g.PatchSize;
        for (int o = 0; o < Channels; o += Block16)
        {
            bool two = o + Lanes < Channels;
            for (int p = 0; p < area; p += 4)
            {
                int count = Math.Min(4, area - p);
                float* c0 = window + corners[p], c1 = window + corners[count > 1 ? p + 1 : p];
                float* c2 = window + corners[count > 2 ? p + 2 : p], c3 = window + corners[count > 3 ? p + 3 : p];
                Vec a0 = Vec.Zero, a1 = Vec.Zero, a2 = Vec.Zero, a3 = Vec.Zero, b0 = Vec.Zero, b1 = Vec.Zero, b2 = Vec.Zero, b3 = Vec.Zero;
                for (int kk = from; kk < to; kk++)
                {
                    float* f = filter + (o / Block16 * k + kk) * Block16;
                    var w0 = Avx.LoadVector256(f);
                    var w1 = Avx.LoadVector256(f + Lanes); // zeros past M
                    int t = taps[kk];
                    var x0 = Vector256.Create(c0[t]);
                    var x1 = Vector256.Create(c1[t]);
                    var x2 = Vector256.Create(c2[t]);
                    var x3 = Vector256.Create(c3[t]);
                    a0 = Fma.MultiplyAdd(w0, x0, a0);
                    b0 = Fma.MultiplyAdd(w1, x0, b0);
                    a1 = Fma.MultiplyAdd(w0, x1, a1);
                    b1 = Fma.MultiplyAdd(w1, x1, b1);
                    a2 = Fma.MultiplyAdd(w0, x2, a2);
                    b2 = Fma.MultiplyAdd(w1, x2, b2);
                    a3 = Fma.MultiplyAdd(w0, x3, a3);
                    b3 = Fma.MultiplyAdd(w1, x3, b3);
                }
                float* s = sums + p * Channels + o;
                Store(s, a0, first);
                if (two) Store(s + Lanes, b0, first);
                if (count > 1) { Store(s + Channels, a1, first); if (two) Store(s + Channels + Lanes, b1, first); }
                if (count > 2) { Store(s + 2 * Channels, a2, first); if (two) Store(s + 2 * Channels + Lanes, b2, first); }
                if (count > 3) { Store(s + 3 * Channels, a3, first); if (two) Store(s + 3 * Channels + Lanes, b3, first); }
            }
        }
    }

    // Block's work with sixteen channels per Vector512 (one 64-byte line of filters per tap) and eight positions at
    // a time: each lane is still its own element's chain from zero over the block, stored or added as Block does
    // (block + sum so far), so the bits are Block's; it halves the instructions per tap.
    private unsafe void Block512(float* filter, int* taps, int* corners, int area, int from, int to, float* window, float* sums, bool first)
    {
        int k = g.PatchSize;
        for (int o = 0; o < Channels; o += Block16)
        {
            bool half = o + Lanes >= Channels; // only eight channels left: store the lower lanes
            float* f0 = filter + o / Block16 * k * Block16;
            for (int p = 0; p < area; p += 8)
            {
                int count = Math.Min(8, area - p);
                float* c0 = window + corners[p], c1 = window + corners[count > 1 ? p + 1 : p];
                float* c2 = window + corners[count > 2 ? p + 2 : p], c3 = window + corners[count > 3 ? p + 3 : p];
                float* c4 = window + corners[count > 4 ? p + 4 : p], c5 = window + corners[count > 5 ? p + 5 : p];
                float* c6 = window + corners[count > 6 ? p + 6 : p], c7 = window + corners[count > 7 ? p + 7 : p];
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int kk = from; kk < to; kk++)
                {
                    var w = Avx512F.LoadAlignedVector512(f0 + kk * Block16); // zeros past M
                    int t = taps[kk];
                    a0 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c0[t]), a0);
                    a1 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c1[t]), a1);
                    a2 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c2[t]), a2);
                    a3 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c3[t]), a3);
                    a4 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c4[t]), a4);
                    a5 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c5[t]), a5);
                    a6 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c6[t]), a6);
                    a7 = Avx512F.FusedMultiplyAdd(w, Vector512.Create(c7[t]), a7);
                }
                float* s = sums + p * Channels + o;
                Store512(s, a0, first, half);
                if (count > 1) Store512(s + Channels, a1, first, half);
                if (count > 2) Store512(s + 2 * Channels, a2, first, half);
                if (count > 3) Store512(s + 3 * Channels, a3, first, half);
                if (count > 4) Store512(s + 4 * Channels, a4, first, half);
                if (count > 5) Store512(s + 5 * Channels, a5, first, half);
                if (count > 6) Store512(s + 6 * Channels, a6, first, half);
                if (count > 7) Store512(s + 7 * Channels, a7, first, half);
            }
        }
    }

    private static unsafe void Store512(float* sum, Vector512<float> block, bool first, bool half)
    {
        if (half) Store(sum, block.GetLower(), first);
        else Avx512F.Store(sum, first ? block : Avx512F.Add(block, Avx512F.LoadVector512(sum)));
    }

    private static unsafe void Store(float* sum, Vec block, bool first) =>
        Avx.Store(sum, first ? block : Avx.Add(block, Avx.LoadVector256(sum)));
}
