// y = f(x·a + b): BatchNormalization's folded per-channel affine and the activation fused after it (DenseNet's
// BN → ReLU), in one pass. Planes takes a and b per plane, RowsThen per element (small planes: one long pass over
// an image instead of a call per 2×2 plane). Vector512/Vector256 bodies run VectorActivations' structs, the tail
// ActivationKernels.Reference; multiply then add, never fused, so every element has the bits of the twin Reference
// (the plain affine loop) followed by ActivationKernels.Reference.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public static class ScaleShiftKernels
{
    public static void Reference(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * a + b;
    }

    /// <summary>
    /// y = f(x·a[ch] + b[ch]) over planes [first, first + count) of inner elements each, plane p of channel p mod c,
    /// c = a.Length.
    /// </summary>
    public static void Planes(KernelVariant variant, Activation f, ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        int inner, int first, int count)
    {
        if (x.Length < (first + count) * inner || y.Length < (first + count) * inner || b.Length < a.Length || a.IsEmpty)
            throw new ArgumentException($"planes [{first}, {first + count}) of {inner} do not fit x ({x.Length}), y ({y.Length}) or the factors ({a.Length}, {b.Length})");
        var loop = new AffineLoop(x, y, a, b, default, default, a.Length, inner, first, count, variant, f);
        VectorActivations.With(f, ref loop);
    }

    /// <summary>y[i] = f(x[i]·a[i] + b[i]), in one pass.</summary>
    public static void RowsThen(KernelVariant variant, Activation f, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (y.Length < x.Length || a.Length < x.Length || b.Length < x.Length)
            throw new ArgumentException($"x has {x.Length} elements, a {a.Length}, b {b.Length}, y {y.Length}");
        var loop = new AffineLoop(x, y, default, default, a, b, 1, x.Length, 0, 1, variant, f);
        VectorActivations.With(f, ref loop);
    }

    /// <summary>The affine pass with the activation inlined: per-plane factors (planeA, planeB) or per-element ones (rowA, rowB).</summary>
    private readonly ref struct AffineLoop(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> planeA, ReadOnlySpan<float> planeB,
        ReadOnlySpan<float> rowA, ReadOnlySpan<float> rowB, int c, int inner, int first, int count, KernelVariant variant, Activation activation) : IActivationUser
    {
        private readonly ReadOnlySpan<float> x = x, planeA = planeA, planeB = planeB, rowA = rowA, rowB = rowB;
        private readonly Span<float> y = y;

        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            bool perElement = planeA.IsEmpty;
            bool wide = variant == KernelVariant.Avx512 && Vector512.IsHardwareAccelerated;
            bool vector = variant != KernelVariant.Scalar && Vector256.IsHardwareAccelerated;
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            ref float ar = ref MemoryMarshal.GetReference(rowA);
            ref float br = ref MemoryMarshal.GetReference(rowB);
            for (int p = first; p < first + count; p++)
            {
                int at = p * inner, i = 0;
                float a = perElement ? 0f : planeA[p % c], b = perElement ? 0f : planeB[p % c];
                if (wide)
                {
                    var va = Vector512.Create(a);
                    var vb = Vector512.Create(b);
                    for (; i <= inner - Vector512<float>.Count; i += Vector512<float>.Count)
                    {
                        nuint e = (nuint)(at + i);
                        var v = perElement
                            ? Vector512.LoadUnsafe(ref xr, e) * Vector512.LoadUnsafe(ref ar, e) + Vector512.LoadUnsafe(ref br, e)
                            : Vector512.LoadUnsafe(ref xr, e) * va + vb;
                        f.Apply(v).StoreUnsafe(ref yr, e);
                    }
                }
                if (vector)
                {
                    var va = Vector256.Create(a);
                    var vb = Vector256.Create(b);
                    for (; i <= inner - Vector256<float>.Count; i += Vector256<float>.Count)
                    {
                        nuint e = (nuint)(at + i);
                        var v = perElement
                            ? Vector256.LoadUnsafe(ref xr, e) * Vector256.LoadUnsafe(ref ar, e) + Vector256.LoadUnsafe(ref br, e)
                            : Vector256.LoadUnsafe(ref xr, e) * va + vb;
                        f.Apply(v).StoreUnsafe(ref yr, e);
                    }
                }
                for (; i < inner; i++) // scalar tail
                {
                    int e = at + i;
                    float v = perElement ? x[e] * rowA[e] + rowB[e] : x[e] * a + b;
                    y[e] = ActivationKernels.Reference(activation, v);
                }
            }
        }
    }
}
