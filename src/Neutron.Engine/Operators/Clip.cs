// Clip: min/max as attributes before opset 11, as optional scalar inputs from 11 (read at run time); integer
// types from opset 12. NaN passes through unchanged. Floats run ActivationKernels' SIMD clamp (its scalar twin is
// the plain compare-and-select), in chunks over both cores for large tensors.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Clip : Operator
{
    public Clip(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i] is { } b && (ShapeUtil.Size(b.Shape) != 1 || b.Type != x.Type))
                throw Error($"input {i} must be a {x.Type.Name()} scalar, got {b}");
        return [new TensorType(x.Type, x.Shape)];
    }

    /// <summary>The bounds of a float Clip whose min and max are known at load (attributes, or constant inputs).</summary>
    public Activation? Bounds(Tensor? min, Tensor? max)
    {
        if (Opset < 11) return new Activation(ActivationKind.Clip, Node.Attributes.Float("min", float.NegativeInfinity), Node.Attributes.Float("max", float.PositiveInfinity));
        if (min is { IsFloating: false } || max is { IsFloating: false }) return null;
        return new Activation(ActivationKind.Clip, min?.Floats[0] ?? float.NegativeInfinity, max?.Floats[0] ?? float.PositiveInfinity);
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        Tensor? lo = inputs.Length > 1 ? inputs[1] : null, hi = inputs.Length > 2 ? inputs[2] : null;
        if (x.IsFloating)
        {
            float min = Opset < 11 ? Node.Attributes.Float("min", float.NegativeInfinity) : lo?.Floats[0] ?? float.NegativeInfinity;
            float max = Opset < 11 ? Node.Attributes.Float("max", float.PositiveInfinity) : hi?.Floats[0] ?? float.PositiveInfinity;
            var bounds = new Activation(ActivationKind.Clip, min, max);
            var xb = x.FloatBuffer!;
            var yb = y.FloatBuffer!;
            ParallelChunks.For(x.Length, (start, count) => ActivationKernels.Apply(bounds, xb.AsSpan(start, count), yb.AsSpan(start, count)));
        }
        else
        {
            long min = lo?.Longs[0] ?? long.MinValue, max = hi?.Longs[0] ?? long.MaxValue;
            var xs = x.Longs;
            var ys = y.Longs;
            for (int i = 0; i < xs.Length; i++) ys[i] = Math.Min(Math.Max(xs[i], min), max);
        }
    }
}
