// The channel-rows path without a padded copy, for "same" layers (stride 1, no dilation, output planes the input's
// size: ResNet-20's first stage, LeNet's conv1). Output pixel p of a plane reads input pixel
// p + (ky − PadTop)·W + kx − PadLeft of each input plane, so 48 consecutive output pixels read 48 consecutive input
// floats per tap, straight from the input; the lanes whose window position lies past the image's edge (a column
// wrapping into the next row, a row above or below the plane) are masked to zeros on the load, so each lane's
// chain is the padded path's, 0 · w included. Pixels are numbered over the image's own rows, so no column is
// computed and dropped, and each output plane goes out as one run: from the tiles themselves when the patch is one
// summation block (FinishedOut: the sums are whole), else copied from the product once every block is in.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Whether channel rows read g's input in place: stride 1, dilation 1, output planes the input's size.</summary>
    private static bool ChannelRowsInPlace(Conv2D g) =>
        g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1 && g.OutH == g.H && g.OutW == g.W;

    private static void RunChannelRowsInPlace(KernelVariant variant, Conv2D g, int n0, float[] x, float[] w, float[]? b, float[] y, Shortcut? shortcut,
        Activation epilogue, ForEach forEach, PackedFilters? keep)
    {
        int k = g.PatchSize, panels = (g.M + Panel - 1) / Panel, rows = panels * Panel, os = g.OutSpatial, windows = g.KH * g.KW;
        int perImage = g.C * g.H * g.W;
        var filters = ChannelRowFilters(variant, g, w, keep);
        var reads = InPlaceTaps.Of(g);
        var (offsets, taps, masks) = (reads.Offsets, reads.Taps, reads.Masks);
        int span = RoundUp(os, Span48), tiles = span / Span48;
        // Pixels of one image, in tiles; a few images are cut into pieces so every core has work.
        int pieces = g.N >= 4 ? 1 : Math.Min(tiles, 8);
        int piece = RoundUp((span + pieces - 1) / pieces, Span48);
        pieces = (span + piece - 1) / piece;
        forEach(g.N * pieces, (long)piece * rows * k, task =>
        {
            int n = task / pieces, q0 = task % pieces * piece, count = Math.Min(piece, span - q0);
            fixed (float* xp = x, fp = filters, mp = masks.AsSpan())
            fixed (int* offp = offsets, tp = taps)
            {
                float* image = xp + (long)(n0 + n) * perImage + q0;
                // A lane past the edge reads the image before or after, or the next plane, unless the image is x's
                // first or last: there the loads are masked, not the values.
                bool inside = reads.Overhang <= perImage && n0 + n > 0 && (long)(n0 + n + 2) * perImage <= x.Length;
                // The image where the previous layer left it, mostly in L3, brought into L2 first as the padded copy
                // would bring it (ResNet-20's first-stage layers ran 10 % slower without).
                if (Sse.IsSupported)
                    for (long at = (long)(n0 + n) * perImage + q0, end = Math.Min(x.Length, (long)(n0 + n + 1) * perImage); at < end; at += 16)
                        Sse.Prefetch1(xp + at);
                // A patch of one summation block holds whole sums: the tiles finish them into y themselves.
                if (k <= Block)
                {
                    fixed (float* bp = b, yp = y, sp = shortcut?.Values)
                    {
                        var finished = new FinishedTiles(g, n0 + n, q0, count, image, inside, fp, offp, tp, mp, bp, sp, shortcut is { ConvFirst: true }, yp);
                        VectorActivations.With(epilogue, ref finished);
                    }
                    return;
                }
                var product = ScratchPool.Rent(rows * piece);
                fixed (float* op = product)
                    for (int kb = 0; kb < k; kb += Block)
                    {
                        int kc = Math.Min(Block, k - kb);
                        for (int panel = 0; panel < panels; panel++)
                        {
                            float* f = fp + ((long)panel * k + kb) * Panel;
                            for (int t = 0; t < count; t += Span48)
                            {
                                float* tileMasks = mp + (long)(q0 + t) / Span48 * windows * Span48;
                                var output = new ProductOut(op + (long)panel * Panel * piece + t, piece, kb == 0);
                                if (inside) Tile<ClearedLoads, ProductOut>(os - q0 - t, f, offp + kb, tp + kb, kc, image + t, tileMasks, ref output);
                                else Tile<MaskedLoads, ProductOut>(os - q0 - t, f, offp + kb, tp + kb, kc, image + t, tileMasks, ref output);
                            }
                        }
                    }
                var copyOut = new PlanesOut(g, n0 + n, q0, Math.Min(count, os - q0), piece, product, b, shortcut, y);
                VectorActivations.With(epilogue, ref copyOut);
                ScratchPool.Return(product);
            }
        });
        if (keep is null) ScratchPool.Return(filters);
    }

    /// <summary>Pixels [q0, q0 + count) of image n, tile by tile, each tile finishing its sums into y (FinishedOut): a
    /// patch of one summation block, so no product is stored and read back.</summary>
    private readonly struct FinishedTiles(Conv2D g, int n, int q0, int count, float* image, bool inside, float* filters, int* offsets, int* taps,
        float* masks, float* bias, float* shortcut, bool convFirst, float* y) : IActivationUser
    {
        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            int os = g.OutSpatial, windows = g.KH * g.KW, k = g.PatchSize, panels = (g.M + Panel - 1) / Panel;
            for (int panel = 0; panel < panels; panel++)
            {
                float* w = filters + (long)panel * k * Panel;
                long plane = (long)(n * g.M + panel * Panel) * os + q0;
                int channels = Math.Min(Panel, g.M - panel * Panel);
                for (int t = 0; t < count; t += Span48)
                {
                    int left = os - q0 - t;
                    float* tileMasks = masks + (long)(q0 + t) / Span48 * windows * Span48;
                    var output = new FinishedOut<T>(y + plane + t, bias is null ? null : bias + panel * Panel, shortcut is null ? null : shortcut + plane + t,
                        convFirst, channels, left, os, f);
                    if (inside) Tile<ClearedLoads, FinishedOut<T>>(left, w, offsets, taps, k, image + t, tileMasks, ref output);
                    else Tile<MaskedLoads, FinishedOut<T>>(left, w, offsets, taps, k, image + t, tileMasks, ref output);
                }
            }
        }
    }

    /// <summary>Output pixels [q0, q0 + count) of image n from a piece's product (a row of piece floats per channel):
    /// y[n, m, q] = f((product[m, q − q0] + b[m]) + shortcut[n, m, q]).</summary>
    private readonly struct PlanesOut(Conv2D g, int n, int q0, int count, int piece, float[] product, float[]? b, Shortcut? shortcut, float[] y)
        : IActivationUser
    {
        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            bool convFirst = shortcut is { ConvFirst: true };
            fixed (float* src = product, dst = y, added = shortcut?.Values)
                for (int m = 0; m < g.M; m++)
                {
                    long at = (long)(n * g.M + m) * g.OutSpatial + q0;
                    float* row = src + (long)m * piece, sp = added is null ? null : added + at;
                    if (b is null) FinishRow(row, dst + at, count, false, 0f, sp, convFirst, f);
                    else FinishRow(row, dst + at, count, true, b[m], sp, convFirst, f);
                }
        }
    }

    /// <summary>What the in-place channel rows read, by geometry (kept: a layer runs once per batch): for tap
    /// p = (c, ky, kx) its input offset from the output pixel and its window position ky·kW + kx, and for every tile
    /// of an image, for each window position, the 48 lanes' masks: a lane reads when its pixel is an output pixel and
    /// the window position lies inside the image.</summary>
    private sealed record InPlaceTaps(int[] Offsets, int[] Taps, ArraySegment<float> Masks, int Overhang)
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int, int, int, int, int, int), InPlaceTaps> kept = new();

        public static InPlaceTaps Of(Conv2D g) =>
            kept.GetOrAdd((g.C, g.H, g.W, g.KH, g.KW, g.PadTop, g.PadLeft), _ => Make(g));

        private static InPlaceTaps Make(Conv2D g)
        {
            int k = g.PatchSize, os = g.OutSpatial, windows = g.KH * g.KW, tiles = RoundUp(os, Span48) / Span48;
            var offsets = new int[k];
            var taps = new int[k];
            for (int c = 0, p = 0; c < g.C; c++)
                for (int ky = 0; ky < g.KH; ky++)
                    for (int kx = 0; kx < g.KW; kx++, p++)
                    {
                        offsets[p] = c * os + (ky - g.PadTop) * g.W + kx - g.PadLeft;
                        taps[p] = ky * g.KW + kx;
                    }
            // Read three vectors per tap: kept on cache lines inside a pinned array of their own (AlignedFloats' probes
            // and fillers would leave garbage in the pinned heap for each geometry).
            var held = GC.AllocateArray<float>(tiles * windows * Span48 + 16, pinned: true);
            int start;
            fixed (float* at = held) start = (int)((64 - (nint)at % 64) % 64 / 4);
            var masks = new ArraySegment<float>(held, start, tiles * windows * Span48);
            for (int t = 0; t < tiles; t++)
                for (int at = 0; at < windows; at++)
                    for (int lane = 0; lane < Span48; lane++)
                    {
                        int pixel = t * Span48 + lane, iy = pixel / g.W + at / g.KW - g.PadTop, ix = pixel % g.W + at % g.KW - g.PadLeft;
                        bool reads = pixel < os && (uint)iy < (uint)g.H && (uint)ix < (uint)g.W;
                        masks[(t * windows + at) * Span48 + lane] = BitConverter.Int32BitsToSingle(reads ? -1 : 0);
                    }
            // How far a tile's loads reach before its image's planes or past them.
            int overhang = Math.Max(g.PadTop * g.W + g.PadLeft, tiles * Span48 - os + (g.KH - 1 - g.PadTop) * g.W + g.KW - 1 - g.PadLeft);
            return new InPlaceTaps(offsets, taps, masks, overhang);
        }
    }
}
