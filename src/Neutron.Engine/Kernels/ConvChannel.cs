// Output channel o of a convolution for many images, bit-identical to what ConvKernels.Forward and the Conv
// operator (avx2 set) store there: per output element the im2col GEMM's arithmetic (an FMA chain from zero over
// each KC block of the patch in (c, ky, kx) order, blocks added in turn, padding taps multiplied as zeros), then
// + bias. Lets a caller recompute the one plane a changed weight or bias of filter o touches. Eight images run in
// the eight lanes of a Vector256 (their inputs interleaved into zero-padded planes), so each lane is its own
// image's chain and the small planes of late layers still fill whole vectors. Not for depthwise layers (their own arithmetic); only
// when GemmSlices.Available. Oracle: the tests compare it with ConvKernels.Forward and the Conv operator.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector256<float>;

namespace Neutron.Engine.Kernels;

public static class ConvChannel
{
    private const int Lanes = 8;

    /// <summary>
    /// planes[n·oH·oW + p] = output (o, p) of image n, for n in [0, images): x holds the images (N, C, H, W)
    /// contiguously, w the filters (M, C/group, kH, kW), b the biases (M) or nothing.
    /// </summary>
    public static unsafe void Forward(Conv2D g, int o, ReadOnlySpan<float> x, int images, ReadOnlySpan<float> w,
        ReadOnlySpan<float> b, Span<float> planes)
    {
        if (!GemmSlices.Available)
            throw new InvalidOperationException($"ConvChannel reproduces the avx2 kernel set; this process runs '{KernelSet.Name}'");
        if (g.IsDepthwise) throw new ArgumentException("depthwise convolutions have their own arithmetic; run the layer", nameof(g));
        int inPer = g.C * g.H * g.W, outArea = g.OutSpatial, k = g.PatchSize;
        if (x.Length < (long)images * inPer || planes.Length < (long)images * outArea || w.Length < (o + 1) * k)
            throw new ArgumentException($"{images} images of {inPer} inputs / {outArea} outputs or filter {o} do not fit the spans");
        // The group's input planes, zero-padded so that every tap of every output position reads inside them: the
        // padding then contributes fma(w, 0, acc) exactly as im2col's zeros do, with no bounds test per tap.
        int padH = g.H + g.PadTop + Math.Max(g.PadBottom, 0) + g.StrideH * g.OutH + g.DilationH * g.KH;
        int padW = g.W + g.PadLeft + Math.Max(g.PadRight, 0) + g.StrideW * g.OutW + g.DilationW * g.KW;
        int padArea = padH * padW, cpg = g.CPerGroup, firstChannel = o / g.MPerGroup * cpg;
        var filter = w.Slice(o * k, k);
        bool hasBias = !b.IsEmpty;
        float bias = hasBias ? b[o] : 0f;
        var taps = new int[k];
        for (int kk = 0; kk < k; kk++)
        {
            int c = kk / (g.KH * g.KW), ky = kk / g.KW % g.KH, kx = kk % g.KW;
            taps[kk] = (c * padArea + ky * g.DilationH * padW + kx * g.DilationW) * Lanes;
        }
        var lanes = ScratchPool.Rent(cpg * padArea * Lanes);
        var sums = ScratchPool.Rent(outArea * Lanes);
        try
        {
            new Span<float>(lanes, 0, cpg * padArea * Lanes).Clear();
            fixed (float* xp = x, fp = filter, lp = lanes, sp = sums, yp = planes)
            fixed (int* tp = taps)
            {
                for (int n0 = 0; n0 < images; n0 += Lanes)
                {
                    int used = Math.Min(Lanes, images - n0);
                    Interleave(g, xp + (long)n0 * inPer + (long)firstChannel * g.H * g.W, inPer, cpg, used, padW, padArea, lp);
                    for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
                        Block(g, fp, tp, pc, Math.Min(k, pc + Gemm32Avx2.KC), lp, padW, sp, first: pc == 0);
                    if (hasBias)
                    {
                        var bv = Vector256.Create(bias);
                        for (int i = 0; i < outArea * Lanes; i += Lanes) Avx.Store(sp + i, Avx.Add(Avx.LoadVector256(sp + i), bv));
                    }
                    int p = 0;
                    if (used == Lanes)
                        for (; p + Lanes <= outArea; p += Lanes) Transpose8(sp + p * Lanes, Lanes, yp + (long)n0 * outArea + p, outArea);
                    for (; p < outArea; p++)
                        for (int l = 0; l < used; l++) yp[(long)(n0 + l) * outArea + p] = sp[p * Lanes + l];
                }
            }
        }
        finally
        {
            ScratchPool.Return(lanes);
            ScratchPool.Return(sums);
        }
    }

    // Padded plane element (c, y + PadTop, x + PadLeft) · 8 + l = image l's input (c, y, x); lanes past `used` and
    // the padding stay zero (the buffer is cleared once; only the interior is rewritten).
    private static unsafe void Interleave(Conv2D g, float* x, int stride, int channels, int used, int padW, int padArea, float* lanes)
    {
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < g.H; y++)
        {
            float* dst = lanes + ((long)c * padArea + (long)(y + g.PadTop) * padW + g.PadLeft) * Lanes;
            float* src = x + (long)c * g.H * g.W + (long)y * g.W;
            int xx = 0;
            if (used == Lanes)
                for (; xx + Lanes <= g.W; xx += Lanes, dst += Lanes * Lanes) Transpose8(src + xx, stride, dst, Lanes);
            for (; xx < g.W; xx++, dst += Lanes)
            {
                int l = 0;
                for (; l < used; l++) dst[l] = src[(long)l * stride + xx];
                for (; l < Lanes; l++) dst[l] = 0f;
            }
        }
    }

    // Eight rows of eight floats (row r at src + r·srcStride) stored as eight columns (column c at dst + c·dstStride).
    private static unsafe void Transpose8(float* src, long srcStride, float* dst, long dstStride)
    {
        Vec r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride), r2 = Avx.LoadVector256(src + 2 * srcStride),
            r3 = Avx.LoadVector256(src + 3 * srcStride), r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride),
            r6 = Avx.LoadVector256(src + 6 * srcStride), r7 = Avx.LoadVector256(src + 7 * srcStride);
        Vec t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vec t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vec u0 = Avx.Shuffle(t0, t2, 0b01_00_01_00), u1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        Vec u2 = Avx.Shuffle(t1, t3, 0b01_00_01_00), u3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        Vec u4 = Avx.Shuffle(t4, t6, 0b01_00_01_00), u5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        Vec u6 = Avx.Shuffle(t5, t7, 0b01_00_01_00), u7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    // Taps [from, to) (one KC block) for every output position: a chain from zero per position, four positions at
    // a time so their FMA latencies overlap; the block's sum is stored (first block) or added to the running sum,
    // as Gemm32Avx2's epilogue does.
    private static unsafe void Block(Conv2D g, float* filter, int* taps, int from, int to, float* lanes, int padW, float* sums, bool first)
    {
        int outArea = g.OutSpatial, p = 0;
        for (; p < outArea; p += 4)
        {
            int count = Math.Min(4, outArea - p);
            long b0 = Base(g, p, padW), b1 = count > 1 ? Base(g, p + 1, padW) : b0;
            long b2 = count > 2 ? Base(g, p + 2, padW) : b0, b3 = count > 3 ? Base(g, p + 3, padW) : b0;
            Vec a0 = Vec.Zero, a1 = Vec.Zero, a2 = Vec.Zero, a3 = Vec.Zero;
            for (int kk = from; kk < to; kk++)
            {
                var wv = Vector256.Create(filter[kk]);
                float* t = lanes + taps[kk];
                a0 = Fma.MultiplyAdd(wv, Avx.LoadVector256(t + b0), a0);
                a1 = Fma.MultiplyAdd(wv, Avx.LoadVector256(t + b1), a1);
                a2 = Fma.MultiplyAdd(wv, Avx.LoadVector256(t + b2), a2);
                a3 = Fma.MultiplyAdd(wv, Avx.LoadVector256(t + b3), a3);
            }
            Store(sums + p * Lanes, a0, first);
            if (count > 1) Store(sums + (p + 1) * Lanes, a1, first);
            if (count > 2) Store(sums + (p + 2) * Lanes, a2, first);
            if (count > 3) Store(sums + (p + 3) * Lanes, a3, first);
        }
    }

    // Offset in the padded planes of output position p's window corner, in floats.
    private static long Base(Conv2D g, int p, int padW)
    {
        int oy = p / g.OutW, ox = p % g.OutW;
        return ((long)oy * g.StrideH * padW + (long)ox * g.StrideW) * Lanes;
    }

    private static unsafe void Store(float* sum, Vec block, bool first) =>
        Avx.Store(sum, first ? block : Avx.Add(block, Avx.LoadVector256(sum)));
}
