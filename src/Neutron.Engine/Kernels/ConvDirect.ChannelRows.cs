// ConvDirect's second layout, for stride-1 layers with few output channels under avx512 (ResNet-20's 16, LeNet's
// 6): output channels are the rows, pixels the lanes. With sixteen channels, one Vector512 of channels per pixel
// costs a broadcast per FMA; here eight channels × 48 pixels cost 3 loads and 8 broadcasts per
// 24 FMAs. Pixels are numbered over whole padded rows (Wp per output row), so 48 consecutive pixels read 48
// consecutive floats of each padded plane; the columns past OutW are computed and dropped when copying out, and the
// last tile of an image is only as wide as its pixels need.
// Same arithmetic per element as the pixel-rows path (the tests run both through ConvDirect.Run).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Pixels per tile (Tile8 of three vectors), channels per panel.</summary>
    private const int Span48 = 48, Panel = 8;

    /// <summary>Stride 1, at most 16 channels (from 32 on, Tile12x32 fills its vectors as well), and at least 80 % of
    /// the pixels an image's tiles compute are output: its padded rows, rounded up to whole tiles (LeNet's conv2, 10
    /// of 14 per row, ran 1.7× slower here than on pixel rows; the fault runner's 9 × 9 boxes would compute 144
    /// pixels for 81).</summary>
    private static bool ChannelRowsPay(KernelVariant variant, Conv2D g)
    {
        if (variant != KernelVariant.Avx512 || g.M > 16 || g.StrideH != 1 || g.StrideW != 1) return false;
        return g.OutSpatial * 10 >= RoundUp(g.OutH * RowStride(g), Span48) * 8;
    }

    /// <summary>Floats from one padded row to the next: the image row and the wider of its two pads. The zeros after a
    /// row are the next row's left padding as well: a window past the right edge reads on into them (the last
    /// row into the zero rows below, or the slack). ResNet-20's 28-wide rows take 29 floats, not 30.</summary>
    private static int RowStride(Conv2D g) => Math.Max(g.OutW, g.W + Math.Max(g.PadLeft, g.PadRight));

    private static void RunChannelRows(KernelVariant variant, Conv2D g, int n0, float[] x, float[] w, float[]? b, float[] y, Shortcut? shortcut,
        Activation epilogue, ForEach forEach, PackedFilters? keep)
    {
        int hp = g.OutH + (g.KH - 1) * g.DilationH, wp = RowStride(g);
        var planes = new Planes(hp, wp, true);
        int k = g.PatchSize, panels = (g.M + Panel - 1) / Panel, rows = panels * Panel;
        int perImage = g.C * g.H * g.W, paddedImage = g.C * planes.Plane;
        // The last tile of an image reads up to 48 + kW floats past its planes (dropped columns): slack, zeroed.
        int slack = Span48 + g.KW * g.DilationW + 16;
        var filters = ChannelRowFilters(variant, g, w, keep);
        var offsets = System.Buffers.ArrayPool<int>.Shared.Rent(k);
        TapOffsets(g, planes, offsets);
        // Pixels of one image, in tiles; a few images are cut into pieces so every core has work.
        // Pixels up to the last output column: the rest of the last row is dropped.
        int pixels = (g.OutH - 1) * wp + g.OutW, span = RoundUp(pixels, Span48);
        int pieces = g.N >= 4 ? 1 : Math.Min(span / Span48, 8);
        int piece = RoundUp((span + pieces - 1) / pieces, Span48);
        pieces = (span + piece - 1) / piece;
        // Whole images: each task pads its own image into its own scratch, which stays in L2 while it is read. Pieces of
        // images share one padded copy of the batch.
        float[]? shared = null;
        if (pieces > 1)
        {
            shared = ScratchPool.Rent(g.N * paddedImage + slack);
            shared.AsSpan(g.N * paddedImage, slack).Clear();
            forEach(g.N, paddedImage, n => Pad(variant, g, planes, x.AsSpan((n0 + n) * perImage, perImage), shared.AsSpan(n * paddedImage, paddedImage)));
        }
        forEach(g.N * pieces, (long)piece * rows * k, task =>
        {
            int n = task / pieces, q0 = task % pieces * piece, count = Math.Min(piece, span - q0);
            var product = ScratchPool.Rent(rows * piece);
            var padded = shared;
            if (padded is null)
            {
                padded = ScratchPool.Rent(paddedImage + slack);
                Pad(variant, g, planes, x.AsSpan((n0 + n) * perImage, perImage), padded.AsSpan(0, paddedImage));
                padded.AsSpan(paddedImage, slack).Clear();
            }
            fixed (float* xp = padded, fp = filters, op = product)
            fixed (int* offp = offsets)
            {
                float* image = xp + (shared is null ? 0 : (long)n * paddedImage) + q0;
                for (int kb = 0; kb < k; kb += Block)
                {
                    int kc = Math.Min(Block, k - kb);
                    for (int panel = 0; panel < panels; panel++)
                    {
                        float* f = fp + ((long)panel * k + kb) * Panel;
                        for (int t = 0; t < count; t += Span48)
                        {
                            var output = new ProductOut(op + (long)panel * Panel * piece + t, piece, kb == 0);
                            Tile<WholeLoads, ProductOut>(pixels - q0 - t, f, offp + kb, null, kc, image + t, null, ref output);
                        }
                    }
                }
            }
            // Output rows whose pixels lie in [q0, q0 + count): their columns below OutW, + bias and the epilogue on
            // the way. Channel by channel, so each output plane is written in order.
            var copyOut = new RowsOut(g, n0 + n, wp, q0, count, piece, product, b, shortcut, y);
            VectorActivations.With(epilogue, ref copyOut);
            ScratchPool.Return(product);
            if (shared is null) ScratchPool.Return(padded);
        });
        System.Buffers.ArrayPool<int>.Shared.Return(offsets);
        if (keep is null) ScratchPool.Return(filters);
        if (shared is not null) ScratchPool.Return(shared);
    }

    /// <summary>One tile of 8 channels from the next `left` pixels of an image: three vectors, or fewer for the image's
    /// last pixels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile<TLoads, TOut>(int left, float* f, int* offsets, int* taps, int kc, float* x, float* masks, ref TOut output)
        where TLoads : struct, IPlaneLoads where TOut : struct, ITileOut
    {
        if (left > 32) ConvDirectAvx512.Tile8<TLoads, Width48, TOut>(f, offsets, taps, kc, x, masks, ref output);
        else if (left > 16) ConvDirectAvx512.Tile8<TLoads, Width32, TOut>(f, offsets, taps, kc, x, masks, ref output);
        else ConvDirectAvx512.Tile8<TLoads, Width16, TOut>(f, offsets, taps, kc, x, masks, ref output);
    }

    /// <summary>The filters as [panel][patch element][8 channels], zeros past M: kept in keep when given, else rented
    /// (the caller returns them).</summary>
    private static float[] ChannelRowFilters(KernelVariant variant, Conv2D g, float[] w, PackedFilters? keep)
    {
        int k = g.PatchSize, rows = (g.M + Panel - 1) / Panel * Panel;
        void Pack(float[] filters)
        {
            for (int m = 0; m < rows; m++)
                for (int p = 0; p < k; p++)
                    filters[(m / Panel * k + p) * Panel + m % Panel] = m < g.M ? w[m * k + p] : 0f;
        }
        var filters = keep?.Get(w, new(true, rows, k, variant), rows * k, Pack) ?? ScratchPool.Rent(rows * k);
        if (keep is null) Pack(filters);
        return filters;
    }

    /// <summary>The outputs of image n among the padded-row pixels [q0, q0 + count) of a piece's product (a row of
    /// piece floats per channel): y[n, m, oy, ox] = f((product[m, q] + b[m]) + shortcut[n, m, oy, ox]).</summary>
    private readonly struct RowsOut(Conv2D g, int n, int wp, int q0, int count, int piece, float[] product, float[]? b, Shortcut? shortcut, float[] y)
        : IActivationUser
    {
        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            int os = g.OutSpatial;
            bool convFirst = shortcut is { ConvFirst: true };
            fixed (float* src = product, dst = y, added = shortcut?.Values)
                for (int m = 0; m < g.M; m++)
                    for (int oy = q0 / wp; oy < g.OutH && oy * wp < q0 + count; oy++)
                    {
                        int from = Math.Max(oy * wp, q0), to = Math.Min(oy * wp + g.OutW, q0 + count);
                        if (to <= from) continue;
                        long at = (long)(n * g.M + m) * os + oy * g.OutW + from - oy * wp;
                        float* row = src + (long)m * piece + from - q0, sp = added is null ? null : added + at;
                        if (b is null) FinishRow(row, dst + at, to - from, false, 0f, sp, convFirst, f);
                        else FinishRow(row, dst + at, to - from, true, b[m], sp, convFirst, f);
                    }
        }
    }

    /// <summary>dst[i] = f((src[i] + bias) + shortcut[i]) for i &lt; count (no addition without a bias: x + 0 would
    /// turn −0 into +0; none without a shortcut), the operations of separate passes. Sixteen lanes at a time (this
    /// path runs under avx512 only), a row's last vector overlapping the one before (the same bits written twice);
    /// rows under sixteen go lane by lane through the same vector function.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void FinishRow<T>(float* src, float* dst, int count, bool hasBias, float bias, float* shortcut, bool convFirst, T f)
        where T : struct, IVectorActivation
    {
        const int lanes = 16;
        var b = Vector512.Create(bias);
        if (count < lanes)
        {
            for (int i = 0; i < count; i++)
            {
                var v = Vector512.CreateScalar(src[i]);
                if (hasBias) v += b;
                if (shortcut is not null) v = convFirst ? v + Vector512.CreateScalar(shortcut[i]) : Vector512.CreateScalar(shortcut[i]) + v;
                dst[i] = Vector512.ToScalar(f.Apply(v));
            }
            return;
        }
        for (int i = 0; ; i += lanes)
        {
            if (i > count - lanes) i = count - lanes;
            var v = Vector512.Load(src + i);
            if (hasBias) v += b;
            if (shortcut is not null) v = convFirst ? v + Vector512.Load(shortcut + i) : Vector512.Load(shortcut + i) + v;
            Vector512.Store(f.Apply(v), dst + i);
            if (i == count - lanes) break;
        }
    }
}
