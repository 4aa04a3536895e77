// The activations as small structs over eight (or sixteen) lanes, so a loop generic in its activation is compiled once per kind
// with the function inlined: no per-vector switch. ActivationKernels' span loop and the producers that apply their
// epilogue on the way out (ConvDirect's transpose and row copies) all run these, so they compute the same bits as
// the scalar twin ActivationKernels.Reference: compares and selects (NaN passes through), multiply then add, never
// fused; Sigmoid and SiLU through SigmoidKernels' exponential.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public interface IVectorActivation
{
    Vector256<float> Apply(Vector256<float> v);

    /// <summary>The same function over sixteen lanes (callers use it under the avx512 set only).</summary>
    Vector512<float> Apply(Vector512<float> v);
}

/// <summary>Something to run with the activation's struct: With calls Run&lt;T&gt; once, so T is a constant in it.</summary>
public interface IActivationUser
{
    void Run<T>(T f) where T : struct, IVectorActivation;
}

public static class VectorActivations
{
    /// <summary>user.Run with f's struct.</summary>
    public static void With<TUser>(Activation f, ref TUser user) where TUser : struct, IActivationUser, allows ref struct
    {
        switch (f.Kind)
        {
            case ActivationKind.None: user.Run(new Identity()); break;
            case ActivationKind.Relu: user.Run(new Relu()); break;
            case ActivationKind.Clip: user.Run(new Clip(f.A, f.B)); break;
            case ActivationKind.LeakyRelu: user.Run(new LeakyRelu(f.A)); break;
            case ActivationKind.HardSigmoid: user.Run(new HardSigmoid(f.A, f.B)); break;
            case ActivationKind.HardSwish: user.Run(new HardSwish()); break;
            case ActivationKind.Sigmoid: user.Run(new Sigmoid()); break;
            case ActivationKind.Silu: user.Run(new Silu()); break;
            default: throw new ArgumentOutOfRangeException(nameof(f), f.Kind, "not an activation");
        }
    }

    /// <summary>v &lt; lo ? lo : v &gt; hi ? hi : v, lane by lane (NaN passes through, as in the scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Clamp(Vector256<float> v, Vector256<float> lo, Vector256<float> hi)
    {
        v = Vector256.ConditionalSelect(Vector256.LessThan(v, lo), lo, v);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(v, hi), hi, v);
    }

    /// <summary>Clamp over sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Clamp(Vector512<float> v, Vector512<float> lo, Vector512<float> hi)
    {
        v = Vector512.ConditionalSelect(Vector512.LessThan(v, lo), lo, v);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(v, hi), hi, v);
    }

    public readonly struct Identity : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) => v;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) => v;
    }

    public readonly struct Relu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) =>
            Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.LessThanOrEqual(v, Vector512<float>.Zero), Vector512<float>.Zero, v);
    }

    public readonly struct Clip(float min, float max) : IVectorActivation
    {
        private readonly Vector256<float> lo = Vector256.Create(min), hi = Vector256.Create(max);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) => Clamp(v, lo, hi);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) => Clamp(v, Vector512.Create(lo, lo), Vector512.Create(hi, hi));
    }

    public readonly struct LeakyRelu(float alpha) : IVectorActivation
    {
        private readonly Vector256<float> a = Vector256.Create(alpha);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) => Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), a * v, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), Vector512.Create(a, a) * v, v);
    }

    public readonly struct HardSigmoid(float alpha, float beta) : IVectorActivation
    {
        private readonly Vector256<float> a = Vector256.Create(alpha), b = Vector256.Create(beta);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) =>
            Vector256.ConditionalSelect(Vector256.Equals(v, v), Clamp(a * v + b, Vector256<float>.Zero, Vector256<float>.One), v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.Equals(v, v), Clamp(Vector512.Create(a, a) * v + Vector512.Create(b, b), Vector512<float>.Zero, Vector512<float>.One), v);
    }

    public readonly struct HardSwish : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) =>
            v * Vector256.ConditionalSelect(Vector256.Equals(v, v),
                Clamp(Vector256.Create(1f / 6f) * v + Vector256.Create(0.5f), Vector256<float>.Zero, Vector256<float>.One), v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) =>
            v * Vector512.ConditionalSelect(Vector512.Equals(v, v),
                Clamp(Vector512.Create(1f / 6f) * v + Vector512.Create(0.5f), Vector512<float>.Zero, Vector512<float>.One), v);
    }

    public readonly struct Sigmoid : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) => SigmoidKernels.Apply(false, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) => SigmoidKernels.Apply(false, v);
    }

    public readonly struct Silu : IVectorActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Apply(Vector256<float> v) => SigmoidKernels.Apply(true, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> v) => SigmoidKernels.Apply(true, v);
    }
}
