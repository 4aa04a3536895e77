// y = x·a + b with scalar a and b (BatchNormalization's folded per-channel affine), Vector256 body and scalar tail;
// Rows does the same with a and b given per element (small planes: one long pass over an image instead of a call
// per 2×2 plane). Multiply then add, never fused, so both are bit-identical to their twin Reference (the plain loop).
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public static class ScaleShiftKernels
{
    public static void Apply(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements, x {x.Length}", nameof(y));
        int i = 0;
        if (Vector256.IsHardwareAccelerated && KernelSet.Active != KernelVariant.Scalar)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * va + vb).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = x[i] * a + b; // scalar tail
    }

    public static void Reference(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * a + b;
    }

    /// <summary>y[i] = x[i]·a[i] + b[i].</summary>
    public static void Rows(ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (y.Length < x.Length || a.Length < x.Length || b.Length < x.Length)
            throw new ArgumentException($"x has {x.Length} elements, a {a.Length}, b {b.Length}, y {y.Length}");
        int i = 0;
        if (Vector256.IsHardwareAccelerated && KernelSet.Active != KernelVariant.Scalar)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float ar = ref MemoryMarshal.GetReference(a);
            ref float br = ref MemoryMarshal.GetReference(b);
            ref float yr = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref ar, (nuint)i) + Vector256.LoadUnsafe(ref br, (nuint)i))
                    .StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = x[i] * a[i] + b[i]; // scalar tail
    }
}
