// Max pooling of channels-last (NHWC) images: sixteen (avx512) or eight channels per vector straight from each
// pixel, no border copy and no transposes. Taps go in MaxPlane's order over the window's in-plane taps (padding
// never wins), each new value first in vmaxps, which returns its second operand unless the first is greater, so of
// equal values (+0 and −0) the earlier stays, as MaxPlane's strict comparison keeps it; NaN taps are or-ed into a
// mask and a window that had one comes out NaN, as in MaxLanes and MaxWindows. Four channel vectors go at a time
// where there are enough (one vmaxps chain alone waits on its latency); channels past the last vector take
// MaxPlane's own loop. Twin: MaxPlane (MaxWindowsTests).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static partial class PoolKernels
{
    /// <summary>Output rows [rowFirst, rowFirst + rowCount) of one channels-last image: x (H, W, C), y (oH, oW, C).</summary>
    public static unsafe void MaxChannelsLast(KernelVariant variant, Conv2D g, int rowFirst, int rowCount, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length < g.C * g.H * g.W || y.Length < g.C * g.OutSpatial) throw new ArgumentException("buffers too small for the pool");
        if (rowFirst < 0 || rowCount < 0 || rowFirst + rowCount > g.OutH) throw new ArgumentOutOfRangeException(nameof(rowFirst));
        bool wide = variant == KernelVariant.Avx512 && Avx512F.IsSupported;
        int c = g.C;
        fixed (float* xp = x, yp = y)
            for (int oy = rowFirst; oy < rowFirst + rowCount; oy++)
            {
                int y0 = oy * g.StrideH - g.PadTop;
                var (kyFirst, kyLast) = InPlane(y0, g.DilationH, g.KH, g.H);
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int x0 = ox * g.StrideW - g.PadLeft;
                    var (kxFirst, kxLast) = InPlane(x0, g.DilationW, g.KW, g.W);
                    float* output = yp + ((long)oy * g.OutW + ox) * c;
                    int ch = 0;
                    if (wide)
                    {
                        // Four channel vectors at a time: four vmaxps chains in flight instead of one.
                        for (; ch + 64 <= c; ch += 64)
                        {
                            var best0 = Vector512.Create(float.NegativeInfinity);
                            var (best1, best2, best3) = (best0, best0, best0);
                            Vector512<float> nan0 = default, nan1 = default, nan2 = default, nan3 = default;
                            for (int ky = kyFirst; ky < kyLast; ky++)
                            {
                                float* line = xp + ((long)(y0 + ky * g.DilationH) * g.W + x0) * c + ch;
                                for (int kx = kxFirst; kx < kxLast; kx++)
                                {
                                    float* at = line + (long)kx * g.DilationW * c;
                                    var v0 = Vector512.Load(at);
                                    var v1 = Vector512.Load(at + 16);
                                    var v2 = Vector512.Load(at + 32);
                                    var v3 = Vector512.Load(at + 48);
                                    best0 = Avx512F.Max(v0, best0);
                                    best1 = Avx512F.Max(v1, best1);
                                    best2 = Avx512F.Max(v2, best2);
                                    best3 = Avx512F.Max(v3, best3);
                                    nan0 |= Avx512F.CompareUnordered(v0, v0);
                                    nan1 |= Avx512F.CompareUnordered(v1, v1);
                                    nan2 |= Avx512F.CompareUnordered(v2, v2);
                                    nan3 |= Avx512F.CompareUnordered(v3, v3);
                                }
                            }
                            var nanValue = Vector512.Create(float.NaN);
                            Vector512.ConditionalSelect(nan0, nanValue, best0).Store(output + ch);
                            Vector512.ConditionalSelect(nan1, nanValue, best1).Store(output + ch + 16);
                            Vector512.ConditionalSelect(nan2, nanValue, best2).Store(output + ch + 32);
                            Vector512.ConditionalSelect(nan3, nanValue, best3).Store(output + ch + 48);
                        }
                        for (; ch + 16 <= c; ch += 16)
                        {
                            var best = Vector512.Create(float.NegativeInfinity);
                            var nan = Vector512<float>.Zero;
                            for (int ky = kyFirst; ky < kyLast; ky++)
                            {
                                float* line = xp + ((long)(y0 + ky * g.DilationH) * g.W + x0) * c + ch;
                                for (int kx = kxFirst; kx < kxLast; kx++)
                                {
                                    var v = Vector512.Load(line + (long)kx * g.DilationW * c);
                                    best = Avx512F.Max(v, best);
                                    nan |= Avx512F.CompareUnordered(v, v);
                                }
                            }
                            Vector512.ConditionalSelect(nan, Vector512.Create(float.NaN), best).Store(output + ch);
                        }
                    }
                    for (; ch + 32 <= c; ch += 32)
                    {
                        var best0 = Vector256.Create(float.NegativeInfinity);
                        var (best1, best2, best3) = (best0, best0, best0);
                        Vector256<float> nan0 = default, nan1 = default, nan2 = default, nan3 = default;
                        for (int ky = kyFirst; ky < kyLast; ky++)
                        {
                            float* line = xp + ((long)(y0 + ky * g.DilationH) * g.W + x0) * c + ch;
                            for (int kx = kxFirst; kx < kxLast; kx++)
                            {
                                float* at = line + (long)kx * g.DilationW * c;
                                var v0 = Vector256.Load(at);
                                var v1 = Vector256.Load(at + 8);
                                var v2 = Vector256.Load(at + 16);
                                var v3 = Vector256.Load(at + 24);
                                best0 = Avx.Max(v0, best0);
                                best1 = Avx.Max(v1, best1);
                                best2 = Avx.Max(v2, best2);
                                best3 = Avx.Max(v3, best3);
                                nan0 |= Avx.CompareUnordered(v0, v0);
                                nan1 |= Avx.CompareUnordered(v1, v1);
                                nan2 |= Avx.CompareUnordered(v2, v2);
                                nan3 |= Avx.CompareUnordered(v3, v3);
                            }
                        }
                        var nanValue = Vector256.Create(float.NaN);
                        Vector256.ConditionalSelect(nan0, nanValue, best0).Store(output + ch);
                        Vector256.ConditionalSelect(nan1, nanValue, best1).Store(output + ch + 8);
                        Vector256.ConditionalSelect(nan2, nanValue, best2).Store(output + ch + 16);
                        Vector256.ConditionalSelect(nan3, nanValue, best3).Store(output + ch + 24);
                    }
                    for (; ch + 8 <= c; ch += 8)
                    {
                        var best = Vector256.Create(float.NegativeInfinity);
                        var nan = Vector256<float>.Zero;
                        for (int ky = kyFirst; ky < kyLast; ky++)
                        {
                            float* line = xp + ((long)(y0 + ky * g.DilationH) * g.W + x0) * c + ch;
                            for (int kx = kxFirst; kx < kxLast; kx++)
                            {
                                var v = Vector256.Load(line + (long)kx * g.DilationW * c);
                                best = Avx.Max(v, best);
                                nan |= Avx.CompareUnordered(v, v);
                            }
                        }
                        Vector256.ConditionalSelect(nan, Vector256.Create(float.NaN), best).Store(output + ch);
                    }
                    for (; ch < c; ch++)
                    {
                        // MaxPlane's loop: the first in-plane tap, then strictly greater ones; a NaN tap wins.
                        float best = float.NegativeInfinity;
                        bool any = false;
                        for (int ky = kyFirst; ky < kyLast; ky++)
                            for (int kx = kxFirst; kx < kxLast; kx++)
                            {
                                float v = xp[((long)(y0 + ky * g.DilationH) * g.W + x0 + kx * g.DilationW) * c + ch];
                                if (v > best || float.IsNaN(v) || !any)
                                {
                                    best = v;
                                    any = true;
                                    if (float.IsNaN(v)) goto done;
                                }
                            }
                    done:
                        output[ch] = best;
                    }
                }
            }
    }

    /// <summary>The average of each channel of one channels-last image x (size pixels × channels): per channel a sum
    /// from zero over the pixels in order, then / size, the operations of Global's chains on a plane, eight or
    /// sixteen channels to a vector (Vector256 loads: the arrays are not 64-byte aligned).</summary>
    public static unsafe void GlobalAverageChannelsLast(ReadOnlySpan<float> x, Span<float> y, int channels, int size)
    {
        if (x.Length < channels * size || y.Length < channels) throw new ArgumentException("buffers too small for the pool");
        var divisor = Vector256.Create((float)size);
        fixed (float* xp = x, yp = y)
        {
            int c = 0;
            for (; c + 16 <= channels; c += 16)
            {
                Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
                float* at = xp + c;
                for (int p = 0; p < size; p++, at += channels)
                {
                    s0 += Vector256.Load(at);
                    s1 += Vector256.Load(at + 8);
                }
                (s0 / divisor).Store(yp + c);
                (s1 / divisor).Store(yp + c + 8);
            }
            for (; c + 8 <= channels; c += 8)
            {
                var s0 = Vector256<float>.Zero;
                float* at = xp + c;
                for (int p = 0; p < size; p++, at += channels) s0 += Vector256.Load(at);
                (s0 / divisor).Store(yp + c);
            }
            for (; c < channels; c++)
            {
                float sum = 0f;
                for (int p = 0; p < size; p++) sum += xp[(long)p * channels + c];
                yp[c] = sum / size;
            }
        }
    }

    /// <summary>The taps k in [first, last) with 0 ≤ start + k·dilation &lt; size (a contiguous run, maybe empty).</summary>
    private static (int First, int Last) InPlane(int start, int dilation, int taps, int size)
    {
        int first = 0, last = taps;
        while (first < taps && start + first * dilation < 0) first++;
        while (last > first && start + (last - 1) * dilation >= size) last--;
        return (first, last);
    }
}
