// Element-wise activations as one pass over a span: what the Relu/Clip/LeakyRelu/HardSigmoid/HardSwish operators
// run, and what a fused producer (Conv, Gemm) applies to its output block while it is still in cache.
// The vector loop runs VectorActivations' structs, bit-identical to the scalar twin Reference: compares and selects
// (NaN passes through, as in the operators), multiply then add, never fused. Sigmoid and SiLU run SigmoidKernels,
// whose exponential has its own scalar twin (MathF.Exp would round differently from any vector exp).
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
        if (variant != KernelVariant.Scalar && Vector256.IsHardwareAccelerated)
        {
            var loop = new SpanLoop(x, y);
            VectorActivations.With(f, ref loop);
            i = loop.Done;
        }
        for (; i < x.Length; i++) y[i] = Reference(f, x[i]); // scalar tail
    }

    /// <summary>y = f(x) over the whole vectors of x; Done is where the scalar tail starts.</summary>
    private ref struct SpanLoop(ReadOnlySpan<float> x, Span<float> y) : IActivationUser
    {
        private readonly ReadOnlySpan<float> x = x;
        private readonly Span<float> y = y;
        public int Done;

        public void Run<T>(T f) where T : struct, IVectorActivation
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            int i = 0;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                f.Apply(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            Done = i;
        }
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
