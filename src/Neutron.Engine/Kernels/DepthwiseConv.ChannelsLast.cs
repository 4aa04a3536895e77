// Depthwise convolution on channels-last (NHWC) images: a pixel's channels lie side by side, so sixteen (avx512) or
// eight channels fill a vector straight from the input, with no transpose, no padded copy and no stride phases.
//   x: (H, W, C) of one image   taps: [kH·kW][C] (PackTaps)   b: (C) or empty   y: (oH, oW, C) of one image
// Each output is the row path's value (DepthwiseConv.Rows, the twin in the tests) bit for bit: an FMA chain from zero
// over the in-plane taps in (ky, kx) order, then + bias, then the activation; padding taps are skipped, so any tap
// value is exact. Inside the plane four outputs of a row (eight, or four at stride 2, for 3-wide kernels, sharing
// their input loads) run side by side, each its own chain, so the FMA units are not left waiting on one chain's
// latency. No threads here.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static partial class DepthwiseConv
{
    /// <summary>The filters (C, 1, kH, kW) as [kH·kW][C]: tap t of every channel side by side.</summary>
    public static void PackTaps(Conv2D g, ReadOnlySpan<float> w, Span<float> taps)
    {
        int count = g.KH * g.KW;
        for (int c = 0; c < g.C; c++)
            for (int t = 0; t < count; t++) taps[t * g.C + c] = w[c * count + t];
    }

    /// <summary>Output rows [rowFirst, rowFirst + rowCount) of one channels-last image, every channel, the
    /// activation applied before the store (vector kernel sets with FMA).</summary>
    public static void ChannelsLastRows(KernelVariant variant, Conv2D g, int rowFirst, int rowCount, ReadOnlySpan<float> x, ReadOnlySpan<float> taps,
        ReadOnlySpan<float> b, Span<float> y, Activation epilogue)
    {
        if (!g.IsDepthwise) throw new ArgumentException($"not a depthwise layer: {g}", nameof(g));
        if (x.Length < g.C * g.H * g.W || y.Length < g.C * g.OutSpatial || taps.Length < g.C * g.KH * g.KW || (!b.IsEmpty && b.Length < g.C))
            throw new ArgumentException("buffers too small for the layer");
        if (rowFirst < 0 || rowCount < 0 || rowFirst + rowCount > g.OutH) throw new ArgumentOutOfRangeException(nameof(rowFirst));
        var rows = new LastRows(variant == KernelVariant.Avx512 && Avx512F.IsSupported, g, rowFirst, rowCount, x, taps, b, y, epilogue);
        VectorActivations.With(epilogue, ref rows);
    }

    private unsafe ref struct LastRows(bool wide, Conv2D g, int rowFirst, int rowCount, ReadOnlySpan<float> x, ReadOnlySpan<float> taps,
        ReadOnlySpan<float> b, Span<float> y, Activation f) : IActivationUser
    {
        private readonly ReadOnlySpan<float> x = x, taps = taps, b = b;
        private readonly Span<float> y = y;

        public readonly void Run<T>(T vf) where T : struct, IVectorActivation
        {
            int c = g.C, ow = g.OutW;
            // Kernel columns in the plane per output column; the interior [inFirst, inLast) has all of them.
            Span<int> first = stackalloc int[ow], last = stackalloc int[ow];
            int inFirst = ow, inLast = 0;
            for (int ox = 0; ox < ow; ox++)
            {
                (first[ox], last[ox]) = InPlane(ox * g.StrideW - g.PadLeft, g.DilationW, g.KW, g.W);
                if (first[ox] == 0 && last[ox] == g.KW)
                {
                    inFirst = Math.Min(inFirst, ox);
                    inLast = ox + 1;
                }
            }
            fixed (float* xp = x, tp = taps, bp = b, yp = y)
            {
                var at = new Plane(g, xp, tp, b.IsEmpty ? null : bp);
                bool threeWide = g.KW == 3 && g.DilationW == 1 && g.StrideW is 1 or 2;
                for (int oy = rowFirst; oy < rowFirst + rowCount; oy++)
                {
                    int y0 = oy * g.StrideH - g.PadTop;
                    var (kyFirst, kyLast) = InPlane(y0, g.DilationH, g.KH, g.H);
                    float* row = yp + (long)oy * ow * c;
                    // Output columns outer, channels inner: the few input columns a group of outputs reads stay in
                    // L1 while every channel passes over them (channels outer streamed whole rows through L2 for
                    // each group of sixteen channels).
                    for (int ox = 0; ox < ow;)
                    {
                        int ch = 0;
                        if (threeWide && ox >= inFirst && ox + at.Blocked <= inLast)
                        {
                            if (wide)
                                for (; ch + 16 <= c; ch += 16) at.Blocked512(ch, y0, kyFirst, kyLast, ox, row, vf);
                            for (; ch + 8 <= c; ch += 8) at.Blocked256(ch, y0, kyFirst, kyLast, ox, row, vf);
                            for (; ch < c; ch++)
                                for (int o = ox; o < ox + at.Blocked; o++)
                                    row[(long)o * c + ch] = ActivationKernels.Reference(f, at.One(ch, y0, kyFirst, kyLast, o, first[o], last[o]));
                            ox += at.Blocked;
                            continue;
                        }
                        if (ox >= inFirst && ox + 4 <= inLast)
                        {
                            if (wide)
                                for (; ch + 16 <= c; ch += 16) at.Four512(ch, y0, kyFirst, kyLast, ox, row, vf);
                            for (; ch + 8 <= c; ch += 8) at.Four256(ch, y0, kyFirst, kyLast, ox, row, vf);
                            for (; ch < c; ch++)
                                for (int o = ox; o < ox + 4; o++)
                                    row[(long)o * c + ch] = ActivationKernels.Reference(f, at.One(ch, y0, kyFirst, kyLast, o, first[o], last[o]));
                            ox += 4;
                            continue;
                        }
                        float* pixel = row + (long)ox * c;
                        if (wide)
                            for (; ch + 64 <= c; ch += 64) at.Apart512(ch, y0, kyFirst, kyLast, ox, first[ox], last[ox], pixel, vf);
                        else
                            for (; ch + 32 <= c; ch += 32) at.Apart256(ch, y0, kyFirst, kyLast, ox, first[ox], last[ox], pixel, vf);
                        if (wide)
                            for (; ch + 16 <= c; ch += 16) vf.Apply(at.One512(ch, y0, kyFirst, kyLast, ox, first[ox], last[ox])).Store(pixel + ch);
                        for (; ch + 8 <= c; ch += 8) vf.Apply(at.One256(ch, y0, kyFirst, kyLast, ox, first[ox], last[ox])).Store(pixel + ch);
                        for (; ch < c; ch++) pixel[ch] = ActivationKernels.Reference(f, at.One(ch, y0, kyFirst, kyLast, ox, first[ox], last[ox]));
                        ox++;
                    }
                }
            }
        }
    }

    /// <summary>One channels-last image and its packed taps: the chains of LastRows, by vector width.</summary>
    private readonly unsafe struct Plane(Conv2D g, float* x, float* taps, float* bias)
    {
        private readonly int c = g.C, w = g.W, kw = g.KW, sw = g.StrideW, dh = g.DilationH, dw = g.DilationW, left = g.PadLeft;

        /// <summary>Where input pixel (iy, ix) starts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private float* Pixel(int iy, int ix) => x + ((long)iy * w + ix) * c;

        public Vector512<float> One512(int ch, int y0, int kyFirst, int kyLast, int ox, int kxFirst, int kxLast)
        {
            var acc = Vector512<float>.Zero;
            int x0 = ox * sw - left;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = kxFirst; kx < kxLast; kx++)
                    acc = Avx512F.FusedMultiplyAdd(Vector512.Load(line + (long)kx * dw * c), Vector512.Load(tap + (long)kx * c), acc);
            }
            return bias is null ? acc + Vector512<float>.Zero : acc + Vector512.Load(bias + ch);
        }

        /// <summary>Outputs ox … ox + 3 of a row, all of whose taps lie in the plane's columns, stored through vf.</summary>
        public void Four512<T>(int ch, int y0, int kyFirst, int kyLast, int ox, float* row, T vf) where T : struct, IVectorActivation
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero, a2 = Vector512<float>.Zero, a3 = Vector512<float>.Zero;
            int x0 = ox * sw - left;
            long step = (long)sw * c, tapStep = (long)dw * c;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = 0; kx < kw; kx++, line += tapStep, tap += c)
                {
                    var t = Vector512.Load(tap);
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(line), t, a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(line + step), t, a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(line + 2 * step), t, a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(line + 3 * step), t, a3);
                }
            }
            var b = bias is null ? Vector512<float>.Zero : Vector512.Load(bias + ch);
            float* o = row + (long)ox * c + ch;
            vf.Apply(a0 + b).Store(o);
            vf.Apply(a1 + b).Store(o + c);
            vf.Apply(a2 + b).Store(o + 2L * c);
            vf.Apply(a3 + b).Store(o + 3L * c);
        }

        /// <summary>Outputs side by side in Blocked512/256: eight at stride 1, four at stride 2.</summary>
        public int Blocked => sw == 1 ? 8 : 4;

        /// <summary>
        /// Outputs ox … ox + Blocked − 1 of a row of a 3-wide kernel (no dilation along the row, stride 1 or 2), all
        /// of whose taps lie in the plane's columns. Each input column is loaded once per kernel row and used by
        /// every output that reads it: 10 loads (9 at stride 2) for 24 (12) FMAs, where Four512 loads one input per
        /// FMA. Each output's chain still runs over (ky, kx) in order.
        /// </summary>
        public void Blocked512<T>(int ch, int y0, int kyFirst, int kyLast, int ox, float* row, T vf) where T : struct, IVectorActivation
        {
            var z = Vector512<float>.Zero;
            Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
            int x0 = ox * sw - left;
            long c1 = c;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                Vector512<float> t0 = Vector512.Load(tap), t1 = Vector512.Load(tap + c1), t2 = Vector512.Load(tap + 2 * c1);
                Vector512<float> v0 = Vector512.Load(line), v1 = Vector512.Load(line + c1), v2 = Vector512.Load(line + 2 * c1);
                Vector512<float> v3 = Vector512.Load(line + 3 * c1), v4 = Vector512.Load(line + 4 * c1), v5 = Vector512.Load(line + 5 * c1);
                Vector512<float> v6 = Vector512.Load(line + 6 * c1), v7 = Vector512.Load(line + 7 * c1), v8 = Vector512.Load(line + 8 * c1);
                if (sw == 1)
                {
                    var v9 = Vector512.Load(line + 9 * c1);
                    a0 = Avx512F.FusedMultiplyAdd(v0, t0, a0); a1 = Avx512F.FusedMultiplyAdd(v1, t0, a1); a2 = Avx512F.FusedMultiplyAdd(v2, t0, a2); a3 = Avx512F.FusedMultiplyAdd(v3, t0, a3);
                    a4 = Avx512F.FusedMultiplyAdd(v4, t0, a4); a5 = Avx512F.FusedMultiplyAdd(v5, t0, a5); a6 = Avx512F.FusedMultiplyAdd(v6, t0, a6); a7 = Avx512F.FusedMultiplyAdd(v7, t0, a7);
                    a0 = Avx512F.FusedMultiplyAdd(v1, t1, a0); a1 = Avx512F.FusedMultiplyAdd(v2, t1, a1); a2 = Avx512F.FusedMultiplyAdd(v3, t1, a2); a3 = Avx512F.FusedMultiplyAdd(v4, t1, a3);
                    a4 = Avx512F.FusedMultiplyAdd(v5, t1, a4); a5 = Avx512F.FusedMultiplyAdd(v6, t1, a5); a6 = Avx512F.FusedMultiplyAdd(v7, t1, a6); a7 = Avx512F.FusedMultiplyAdd(v8, t1, a7);
                    a0 = Avx512F.FusedMultiplyAdd(v2, t2, a0); a1 = Avx512F.FusedMultiplyAdd(v3, t2, a1); a2 = Avx512F.FusedMultiplyAdd(v4, t2, a2); a3 = Avx512F.FusedMultiplyAdd(v5, t2, a3);
                    a4 = Avx512F.FusedMultiplyAdd(v6, t2, a4); a5 = Avx512F.FusedMultiplyAdd(v7, t2, a5); a6 = Avx512F.FusedMultiplyAdd(v8, t2, a6); a7 = Avx512F.FusedMultiplyAdd(v9, t2, a7);
                }
                else
                {
                    a0 = Avx512F.FusedMultiplyAdd(v0, t0, a0); a1 = Avx512F.FusedMultiplyAdd(v2, t0, a1); a2 = Avx512F.FusedMultiplyAdd(v4, t0, a2); a3 = Avx512F.FusedMultiplyAdd(v6, t0, a3);
                    a0 = Avx512F.FusedMultiplyAdd(v1, t1, a0); a1 = Avx512F.FusedMultiplyAdd(v3, t1, a1); a2 = Avx512F.FusedMultiplyAdd(v5, t1, a2); a3 = Avx512F.FusedMultiplyAdd(v7, t1, a3);
                    a0 = Avx512F.FusedMultiplyAdd(v2, t2, a0); a1 = Avx512F.FusedMultiplyAdd(v4, t2, a1); a2 = Avx512F.FusedMultiplyAdd(v6, t2, a2); a3 = Avx512F.FusedMultiplyAdd(v8, t2, a3);
                }
            }
            var b = bias is null ? z : Vector512.Load(bias + ch);
            float* o = row + (long)ox * c + ch;
            vf.Apply(a0 + b).Store(o);
            vf.Apply(a1 + b).Store(o + c1);
            vf.Apply(a2 + b).Store(o + 2 * c1);
            vf.Apply(a3 + b).Store(o + 3 * c1);
            if (sw != 1) return;
            vf.Apply(a4 + b).Store(o + 4 * c1);
            vf.Apply(a5 + b).Store(o + 5 * c1);
            vf.Apply(a6 + b).Store(o + 6 * c1);
            vf.Apply(a7 + b).Store(o + 7 * c1);
        }

        /// <summary>Blocked512 with eight channels.</summary>
        public void Blocked256<T>(int ch, int y0, int kyFirst, int kyLast, int ox, float* row, T vf) where T : struct, IVectorActivation
        {
            var z = Vector256<float>.Zero;
            Vector256<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
            int x0 = ox * sw - left;
            long c1 = c;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                Vector256<float> t0 = Vector256.Load(tap), t1 = Vector256.Load(tap + c1), t2 = Vector256.Load(tap + 2 * c1);
                Vector256<float> v0 = Vector256.Load(line), v1 = Vector256.Load(line + c1), v2 = Vector256.Load(line + 2 * c1);
                Vector256<float> v3 = Vector256.Load(line + 3 * c1), v4 = Vector256.Load(line + 4 * c1), v5 = Vector256.Load(line + 5 * c1);
                Vector256<float> v6 = Vector256.Load(line + 6 * c1), v7 = Vector256.Load(line + 7 * c1), v8 = Vector256.Load(line + 8 * c1);
                if (sw == 1)
                {
                    var v9 = Vector256.Load(line + 9 * c1);
                    a0 = Fma.MultiplyAdd(v0, t0, a0); a1 = Fma.MultiplyAdd(v1, t0, a1); a2 = Fma.MultiplyAdd(v2, t0, a2); a3 = Fma.MultiplyAdd(v3, t0, a3);
                    a4 = Fma.MultiplyAdd(v4, t0, a4); a5 = Fma.MultiplyAdd(v5, t0, a5); a6 = Fma.MultiplyAdd(v6, t0, a6); a7 = Fma.MultiplyAdd(v7, t0, a7);
                    a0 = Fma.MultiplyAdd(v1, t1, a0); a1 = Fma.MultiplyAdd(v2, t1, a1); a2 = Fma.MultiplyAdd(v3, t1, a2); a3 = Fma.MultiplyAdd(v4, t1, a3);
                    a4 = Fma.MultiplyAdd(v5, t1, a4); a5 = Fma.MultiplyAdd(v6, t1, a5); a6 = Fma.MultiplyAdd(v7, t1, a6); a7 = Fma.MultiplyAdd(v8, t1, a7);
                    a0 = Fma.MultiplyAdd(v2, t2, a0); a1 = Fma.MultiplyAdd(v3, t2, a1); a2 = Fma.MultiplyAdd(v4, t2, a2); a3 = Fma.MultiplyAdd(v5, t2, a3);
                    a4 = Fma.MultiplyAdd(v6, t2, a4); a5 = Fma.MultiplyAdd(v7, t2, a5); a6 = Fma.MultiplyAdd(v8, t2, a6); a7 = Fma.MultiplyAdd(v9, t2, a7);
                }
                else
                {
                    a0 = Fma.MultiplyAdd(v0, t0, a0); a1 = Fma.MultiplyAdd(v2, t0, a1); a2 = Fma.MultiplyAdd(v4, t0, a2); a3 = Fma.MultiplyAdd(v6, t0, a3);
                    a0 = Fma.MultiplyAdd(v1, t1, a0); a1 = Fma.MultiplyAdd(v3, t1, a1); a2 = Fma.MultiplyAdd(v5, t1, a2); a3 = Fma.MultiplyAdd(v7, t1, a3);
                    a0 = Fma.MultiplyAdd(v2, t2, a0); a1 = Fma.MultiplyAdd(v4, t2, a1); a2 = Fma.MultiplyAdd(v6, t2, a2); a3 = Fma.MultiplyAdd(v8, t2, a3);
                }
            }
            var b = bias is null ? z : Vector256.Load(bias + ch);
            float* o = row + (long)ox * c + ch;
            vf.Apply(a0 + b).Store(o);
            vf.Apply(a1 + b).Store(o + c1);
            vf.Apply(a2 + b).Store(o + 2 * c1);
            vf.Apply(a3 + b).Store(o + 3 * c1);
            if (sw != 1) return;
            vf.Apply(a4 + b).Store(o + 4 * c1);
            vf.Apply(a5 + b).Store(o + 5 * c1);
            vf.Apply(a6 + b).Store(o + 6 * c1);
            vf.Apply(a7 + b).Store(o + 7 * c1);
        }

        /// <summary>
        /// One output (at a border, or past the last group of side-by-side outputs) of four groups of channels, ch …
        /// ch + 63: four independent chains in flight, where One512 leaves the FMA units waiting on one chain's
        /// latency (a 12-wide row's four such outputs took longer than its eight blocked ones). Each lane's chain is
        /// One512's.
        /// </summary>
        public void Apart512<T>(int ch, int y0, int kyFirst, int kyLast, int ox, int kxFirst, int kxLast, float* pixel, T vf)
            where T : struct, IVectorActivation
        {
            var z = Vector512<float>.Zero;
            Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z;
            int x0 = ox * sw - left;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = kxFirst; kx < kxLast; kx++)
                {
                    float* v = line + (long)kx * dw * c, t = tap + (long)kx * c;
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(v), Vector512.Load(t), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(v + 16), Vector512.Load(t + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(v + 32), Vector512.Load(t + 32), a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(v + 48), Vector512.Load(t + 48), a3);
                }
            }
            float* o = pixel + ch;
            if (bias is null)
            {
                vf.Apply(a0 + z).Store(o);
                vf.Apply(a1 + z).Store(o + 16);
                vf.Apply(a2 + z).Store(o + 32);
                vf.Apply(a3 + z).Store(o + 48);
                return;
            }
            float* b = bias + ch;
            vf.Apply(a0 + Vector512.Load(b)).Store(o);
            vf.Apply(a1 + Vector512.Load(b + 16)).Store(o + 16);
            vf.Apply(a2 + Vector512.Load(b + 32)).Store(o + 32);
            vf.Apply(a3 + Vector512.Load(b + 48)).Store(o + 48);
        }

        /// <summary>Apart512 with four groups of eight channels, ch … ch + 31.</summary>
        public void Apart256<T>(int ch, int y0, int kyFirst, int kyLast, int ox, int kxFirst, int kxLast, float* pixel, T vf)
            where T : struct, IVectorActivation
        {
            var z = Vector256<float>.Zero;
            Vector256<float> a0 = z, a1 = z, a2 = z, a3 = z;
            int x0 = ox * sw - left;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = kxFirst; kx < kxLast; kx++)
                {
                    float* v = line + (long)kx * dw * c, t = tap + (long)kx * c;
                    a0 = Fma.MultiplyAdd(Vector256.Load(v), Vector256.Load(t), a0);
                    a1 = Fma.MultiplyAdd(Vector256.Load(v + 8), Vector256.Load(t + 8), a1);
                    a2 = Fma.MultiplyAdd(Vector256.Load(v + 16), Vector256.Load(t + 16), a2);
                    a3 = Fma.MultiplyAdd(Vector256.Load(v + 24), Vector256.Load(t + 24), a3);
                }
            }
            float* o = pixel + ch;
            if (bias is null)
            {
                vf.Apply(a0 + z).Store(o);
                vf.Apply(a1 + z).Store(o + 8);
                vf.Apply(a2 + z).Store(o + 16);
                vf.Apply(a3 + z).Store(o + 24);
                return;
            }
            float* b = bias + ch;
            vf.Apply(a0 + Vector256.Load(b)).Store(o);
            vf.Apply(a1 + Vector256.Load(b + 8)).Store(o + 8);
            vf.Apply(a2 + Vector256.Load(b + 16)).Store(o + 16);
            vf.Apply(a3 + Vector256.Load(b + 24)).Store(o + 24);
        }

        public Vector256<float> One256(int ch, int y0, int kyFirst, int kyLast, int ox, int kxFirst, int kxLast)
        {
            var acc = Vector256<float>.Zero;
            int x0 = ox * sw - left;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = kxFirst; kx < kxLast; kx++)
                    acc = Fma.MultiplyAdd(Vector256.Load(line + (long)kx * dw * c), Vector256.Load(tap + (long)kx * c), acc);
            }
            return bias is null ? acc + Vector256<float>.Zero : acc + Vector256.Load(bias + ch);
        }

        /// <summary>Four256: Four512 with eight channels.</summary>
        public void Four256<T>(int ch, int y0, int kyFirst, int kyLast, int ox, float* row, T vf) where T : struct, IVectorActivation
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
            int x0 = ox * sw - left;
            long step = (long)sw * c, tapStep = (long)dw * c;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = 0; kx < kw; kx++, line += tapStep, tap += c)
                {
                    var t = Vector256.Load(tap);
                    a0 = Fma.MultiplyAdd(Vector256.Load(line), t, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Load(line + step), t, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Load(line + 2 * step), t, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Load(line + 3 * step), t, a3);
                }
            }
            var b = bias is null ? Vector256<float>.Zero : Vector256.Load(bias + ch);
            float* o = row + (long)ox * c + ch;
            vf.Apply(a0 + b).Store(o);
            vf.Apply(a1 + b).Store(o + c);
            vf.Apply(a2 + b).Store(o + 2L * c);
            vf.Apply(a3 + b).Store(o + 3L * c);
        }

        /// <summary>The scalar chain of one output of channel ch (channels past the last whole group of eight).</summary>
        public float One(int ch, int y0, int kyFirst, int kyLast, int ox, int kxFirst, int kxLast)
        {
            float acc = 0f;
            int x0 = ox * sw - left;
            for (int ky = kyFirst; ky < kyLast; ky++)
            {
                float* line = Pixel(y0 + ky * dh, x0) + ch, tap = taps + (long)ky * kw * c + ch;
                for (int kx = kxFirst; kx < kxLast; kx++) acc = MathF.FusedMultiplyAdd(line[(long)kx * dw * c], tap[(long)kx * c], acc);
            }
            return bias is null ? acc + 0f : acc + bias[ch];
        }
    }
}
