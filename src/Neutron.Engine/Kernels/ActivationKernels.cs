// Element-wise activations as one pass over a span: what the Relu/Clip/LeakyRelu/HardSigmoid/HardSwish operators
// run, and what a fused producer (Conv, Gemm) applies to its output block while it is still in cache.
// The Vector256 body is bit-identical to the scalar twin Reference: compares and selects (NaN passes through,
// as in the operators), multiply then add, never fused. Sigmoid and SiLU run SigmoidKernels, whose exponential has
// its own scalar twin (MathF.Exp would round differently from any vector exp).
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public enum ActivationKind { None, Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Silu }

/// <summary>An activation and its parameters: Clip (A = min, B = max), LeakyRelu (A = alpha), HardSigmoid (A = alpha, B = beta).</summary>
public readonly record struct Activation(ActivationKind Kind, float A = 0f, float B = 0f)
{
    public static Activation None => default;
    public bool IsNone => Kind == ActivationKind.None;

    public override string ToString() => Kind switch
    {
        ActivationKind.Clip => $"Clip({A}, {B})",
        ActivationKind.LeakyRelu => $"LeakyRelu({A})",
        ActivationKind.HardSigmoid => $"HardSigmoid({A}, {B})",
        _ => Kind.ToString(),
    };
}

public static class ActivationKernels
{
    /// <summary>y = f(x) in place, with the process's kernel set.</summary>
    public static void Apply(Activation f, Span<float> y) => Apply(KernelSet.Active, f, y, y);

    public static void Apply(Activation f, ReadOnlySpan<float> x, Span<float> y) => Apply(KernelSet.Active, f, x, y);

    public static void Apply(KernelVariant variant, Activation f, ReadOnlySpan<float> x, Span<float> y)
    {
        if (f.IsNone)
        {
            x.CopyTo(y);
            return;
        }
        if (y.Length < x.Length) throw new ArgumentException($"y has {y.Length} elements, x {x.Length}", nameof(y));
        if (f.Kind is ActivationKind.Sigmoid or ActivationKind.Silu)
        {
            SigmoidKernels.Apply(variant, f.Kind == ActivationKind.Silu, x, y);
            return;
        }
        int i = 0;
        bool vector = variant != KernelVariant.Scalar && Vector256.IsHardwareAccelerated;
        if (vector)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            var a = Vector256.Create(f.A);
            var b = Vector256.Create(f.B);
            var zero = Vector256<float>.Zero;
            var one = Vector256<float>.One;
            var sixth = Vector256.Create(1f / 6f);
            var half = Vector256.Create(0.5f);
            int last = x.Length - Vector256<float>.Count;
            switch (f.Kind)
            {
                case ActivationKind.Relu:
                    for (; i <= last; i += Vector256<float>.Count)
                    {
                        var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, zero), zero, v).StoreUnsafe(ref yr, (nuint)i);
                    }
                    break;
                case ActivationKind.Clip:
                    for (; i <= last; i += Vector256<float>.Count)
                        Clamp(Vector256.LoadUnsafe(ref xr, (nuint)i), a, b).StoreUnsafe(ref yr, (nuint)i);
                    break;
                case ActivationKind.LeakyRelu:
                    for (; i <= last; i += Vector256<float>.Count)
                    {
                        var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                        Vector256.ConditionalSelect(Vector256.LessThan(v, zero), a * v, v).StoreUnsafe(ref yr, (nuint)i);
                    }
                    break;
                case ActivationKind.HardSigmoid:
                    for (; i <= last; i += Vector256<float>.Count)
                    {
                        var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                        var h = Clamp(a * v + b, zero, one);
                        Vector256.ConditionalSelect(Vector256.Equals(v, v), h, v).StoreUnsafe(ref yr, (nuint)i);
                    }
                    break;
                case ActivationKind.HardSwish:
                    for (; i <= last; i += Vector256<float>.Count)
                    {
                        var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                        var h = Vector256.ConditionalSelect(Vector256.Equals(v, v), Clamp(sixth * v + half, zero, one), v);
                        (v * h).StoreUnsafe(ref yr, (nuint)i);
                    }
                    break;
            }
        }
        for (; i < x.Length; i++) y[i] = Reference(f, x[i]); // scalar tail
    }

    /// <summary>v &lt; lo ? lo : v &gt; hi ? hi : v, lane by lane (NaN passes through, as in the scalar form).</summary>
    private static Vector256<float> Clamp(Vector256<float> v, Vector256<float> lo, Vector256<float> hi)
    {
        v = Vector256.ConditionalSelect(Vector256.LessThan(v, lo), lo, v);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(v, hi), hi, v);
    }

    /// <summary>The scalar twin: the operators' own definitions (ONNX semantics, NaN propagating; Sigmoid's exponential is SigmoidKernels.ExpScalar).</summary>
    public static float Reference(Activation f, float x) => f.Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => x > 0 || float.IsNaN(x) ? x : 0f,
        ActivationKind.Clip => x < f.A ? f.A : x > f.B ? f.B : x,
        ActivationKind.LeakyRelu => x >= 0 || float.IsNaN(x) ? x : f.A * x,
        ActivationKind.HardSigmoid => float.IsNaN(x) ? x : Math.Clamp(f.A * x + f.B, 0f, 1f),
        ActivationKind.HardSwish => x * (float.IsNaN(x) ? x : Math.Clamp(1f / 6f * x + 0.5f, 0f, 1f)),
        ActivationKind.Sigmoid => SigmoidKernels.Sigmoid(x),
        ActivationKind.Silu => SigmoidKernels.Silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "not an activation"),
    };
}
