// y = x·a + b with scalar a and b (BatchNormalization's folded per-channel affine), Vector256 body and scalar tail.
// Multiply then add, never fused, so it is bit-identical to its twin Reference (the plain loop).
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
}
