// Sigmoid 1/(1 + e^−x) and SiLU x·sigmoid(x) in vector lanes, with the exponential computed by our own formula
// rather than MathF.Exp: a vector exp cannot match the C runtime's bit for bit, so the Sigmoid operator, a fused
// SiLU epilogue and the scalar kernel set all compute Exp below, and its scalar twin ExpScalar is the vector code
// one lane at a time (the same IEEE operations: multiplies, FMAs, round-to-even, a divide), bit for bit.
// Exp: e^t = 2^n · e^r with n = round(t·log2 e), r = t − n·ln 2 in two FMAs (Cody–Waite), e^r by the Cephes expf
// polynomial, times 2^(n div 2) then 2^(n − n div 2) so that neither factor leaves the normal range and only the
// last multiply rounds (overflow to +Inf and gradual underflow come out right). Within 2 ulp of e^t over the normal
// range; +Inf above ln(FLT_MAX), 0 below −104. A NaN input comes out as itself (sigmoid and SiLU select it, so the
// NaN's sign never depends on which operand a multiply returns).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public static class SigmoidKernels
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f; // Ln2Hi·n is exact for |n| ≤ 2^9
    private const float High = 88.7228394f, Low = -104f;    // ln(FLT_MAX); below Low, e^t rounds to 0
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
        P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>y = sigmoid(x), or x·sigmoid(x) when silu, for the kernel set's widest vectors, then the scalar twin.</summary>
    public static void Apply(KernelVariant variant, bool silu, ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements, x {x.Length}", nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (variant == KernelVariant.Avx512 && Avx512F.IsSupported)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var s = Vector512<float>.One / (Vector512<float>.One + Exp512(-v));
                Vector512.ConditionalSelect(Vector512.Equals(v, v), silu ? v * s : s, v).StoreUnsafe(ref yr, (nuint)i);
            }
        if (variant != KernelVariant.Scalar && Fma.IsSupported)
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var s = Vector256<float>.One / (Vector256<float>.One + Exp256(-v));
                Vector256.ConditionalSelect(Vector256.Equals(v, v), silu ? v * s : s, v).StoreUnsafe(ref yr, (nuint)i);
            }
        for (; i < x.Length; i++) y[i] = silu ? Silu(x[i]) : Sigmoid(x[i]); // scalar tail
    }

    /// <summary>sigmoid(v), or v·sigmoid(v) when silu, over eight lanes: the bits of Apply's loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(bool silu, Vector256<float> v)
    {
        var s = Vector256<float>.One / (Vector256<float>.One + Exp256(-v));
        return Vector256.ConditionalSelect(Vector256.Equals(v, v), silu ? v * s : s, v);
    }

    /// <summary>sigmoid(v), or v·sigmoid(v) when silu, over sixteen lanes: the bits of Apply's loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(bool silu, Vector512<float> v)
    {
        var s = Vector512<float>.One / (Vector512<float>.One + Exp512(-v));
        return Vector512.ConditionalSelect(Vector512.Equals(v, v), silu ? v * s : s, v);
    }

    public static float Sigmoid(float x) => float.IsNaN(x) ? x : 1f / (1f + ExpScalar(-x));

    public static float Silu(float x) => float.IsNaN(x) ? x : x * (1f / (1f + ExpScalar(-x)));

    /// <summary>The scalar twin of the vector exponentials: the same operations in the same order.</summary>
    public static float ExpScalar(float t)
    {
        float m = float.IsNaN(t) ? 0f : MathF.Min(MathF.Max(t, Low), High);
        float n = MathF.Round(m * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, m);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        int half = (int)n >> 1;
        float e = (MathF.FusedMultiplyAdd(p, r * r, r) + 1f) * BitConverter.Int32BitsToSingle((half + 127) << 23)
            * BitConverter.Int32BitsToSingle(((int)n - half + 127) << 23);
        return t > High ? float.PositiveInfinity : t < Low ? 0f : float.IsNaN(t) ? t : e;
    }

    // The vector exponentials leave out three of ExpScalar's selects, which cannot change a lane's bits:
    // - NaN: the clamps pass it on (the constant is the first operand of max and min), every later operation gives
    //   NaN, and Apply selects x itself for a NaN lane, as Sigmoid and Silu do.
    // - t > High: the clamp computes e^High, which already rounds to +Inf (n = 128, e^r > 1).
    // - t < Low: the clamp computes e^Low = 0.97·2^−150, which rounds to +0.
    // (`Exp_at_the_clamps_is_what_the_selects_give` checks both values.) The conversion of n to an integer is the
    // native one: n is integral and within [−150, 128], where truncation and the saturating form agree.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp256(Vector256<float> t)
    {
        var m = Vector256.Min(Vector256.Max(t, Vector256.Create(Low)), Vector256.Create(High));
        var n = Vector256.Round(m * Vector256.Create(Log2E));
        var r = Fma.MultiplyAdd(n, Vector256.Create(-Ln2Hi), m);
        r = Fma.MultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Fma.MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P2));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P3));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P4));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P5));
        var whole = Vector256.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(whole, 1);
        return (Fma.MultiplyAdd(p, r * r, r) + Vector256<float>.One) * ((half + Vector256.Create(127)) << 23).AsSingle()
            * ((whole - half + Vector256.Create(127)) << 23).AsSingle();
    }

    /// <remarks>
    /// e^r · 2^n in one instruction (VSCALEFPS): the exact product rounded once, with gradual underflow and overflow
    /// to +Inf. ExpScalar's two multiplies give the same bits: the first, by 2^(n div 2), is exact (its result stays
    /// normal), so only the second rounds, and it rounds that same exact product.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp512(Vector512<float> t)
    {
        var m = Vector512.Min(Vector512.Max(t, Vector512.Create(Low)), Vector512.Create(High));
        var n = Vector512.Round(m * Vector512.Create(Log2E));
        var r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), m);
        r = Avx512F.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Avx512F.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        return Avx512F.Scale(Avx512F.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One, n);
    }
}
