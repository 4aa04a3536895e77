// Output channel o of a convolution for many images, bit-identical to what ConvKernels.Forward and the Conv
// operator (avx2 set) store there: per output element the im2col GEMM's arithmetic (an FMA chain from zero over
// each KC block of the patch in (c, ky, kx) order, blocks added in turn, padding taps multiplied as zeros), then
// + bias. Lets a caller recompute the one plane a changed weight or bias of filter o touches. Eight images run in
// the eight lanes of a Vector256 (their inputs interleaved), so each lane is its own image's chain and the
// small planes of late layers still fill whole vectors. Not for depthwise layers (their own arithmetic); only
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
        int inPer = g.C * g.H * g.W, area = g.H * g.W, outArea = g.OutSpatial, k = g.PatchSize;
        if (x.Length < (long)images * inPer || planes.Length < (long)images * outArea || w.Length < (o + 1) * k)
            throw new ArgumentException($"{images} images of {inPer} inputs / {outArea} outputs or filter {o} do not fit the spans");
        int cpg = g.CPerGroup, firstChannel = o / g.MPerGroup * cpg;
        var filter = w.Slice(o * k, k);
        bool hasBias = !b.IsEmpty;
        float bias = hasBias ? b[o] : 0f;
        var lanes = ScratchPool.Rent(cpg * area * Lanes);
        var work = ScratchPool.Rent(2 * outArea * Lanes);
        try
        {
            fixed (float* xp = x, fp = filter, lp = lanes, wp = work, yp = planes)
            {
                float* acc = wp, sum = wp + outArea * Lanes;
                for (int n0 = 0; n0 < images; n0 += Lanes)
                {
                    int used = Math.Min(Lanes, images - n0);
                    Interleave(xp + (long)n0 * inPer + (long)firstChannel * area, inPer, cpg * area, used, lp);
                    for (int pc = 0; pc < k; pc += Gemm32Avx2.KC)
                    {
                        int end = Math.Min(k, pc + Gemm32Avx2.KC);
                        new Span<float>(acc, outArea * Lanes).Clear();
                        for (int kk = pc; kk < end; kk++) Tap(g, kk, fp[kk], lp, area, acc);
                        for (int i = 0; i < outArea * Lanes; i += Lanes)
                        {
                            var v = Avx.LoadVector256(acc + i);
                            Avx.Store(sum + i, pc == 0 ? v : Avx.Add(v, Avx.LoadVector256(sum + i)));
                        }
                    }
                    for (int l = 0; l < used; l++)
                    {
                        float* dst = yp + (long)(n0 + l) * outArea;
                        for (int p = 0; p < outArea; p++) dst[p] = hasBias ? sum[p * Lanes + l] + bias : sum[p * Lanes + l];
                    }
                }
            }
        }
        finally
        {
            ScratchPool.Return(lanes);
            ScratchPool.Return(work);
        }
    }

    // lanes[q·8 + l] = image l's input element q (of the group's channels); lanes past `used` are zero.
    private static unsafe void Interleave(float* x, int stride, int count, int used, float* lanes)
    {
        for (int q = 0; q < count; q++)
        {
            float* dst = lanes + q * Lanes;
            int l = 0;
            for (; l < used; l++) dst[l] = x[(long)l * stride + q];
            for (; l < Lanes; l++) dst[l] = 0f;
        }
    }

    // One patch tap kk = (c, ky, kx) into every output position: acc[p] = fma(w, input under p, acc[p]), the
    // input being zero where the window hangs over the padding (as im2col's zeros; a NaN or Inf weight must
    // still turn those positions into NaN, so they are not skipped).
    private static unsafe void Tap(Conv2D g, int kk, float weight, float* lanes, int area, float* acc)
    {
        int c = kk / (g.KH * g.KW), ky = kk / g.KW % g.KH, kx = kk % g.KW;
        var wv = Vector256.Create(weight);
        float* plane = lanes + (long)c * area * Lanes;
        int offset = kx * g.DilationW - g.PadLeft;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            float* a = acc + oy * g.OutW * Lanes;
            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
            if ((uint)iy >= (uint)g.H)
            {
                for (int ox = 0; ox < g.OutW; ox++) Avx.Store(a + ox * Lanes, Fma.MultiplyAdd(wv, Vec.Zero, Avx.LoadVector256(a + ox * Lanes)));
                continue;
            }
            float* row = plane + iy * g.W * Lanes;
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int ix = ox * g.StrideW + offset;
                var input = (uint)ix < (uint)g.W ? Avx.LoadVector256(row + ix * Lanes) : Vec.Zero;
                Avx.Store(a + ox * Lanes, Fma.MultiplyAdd(wv, input, Avx.LoadVector256(a + ox * Lanes)));
            }
        }
    }
}
