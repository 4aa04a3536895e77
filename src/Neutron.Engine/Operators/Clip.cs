// Clip: min/max as attributes before opset 11, as optional scalar inputs from 11 (read at run time); integer
// types from opset 12. NaN passes through unchanged.
using Neutron.Engine.Graph;
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

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        Tensor? lo = inputs.Length > 1 ? inputs[1] : null, hi = inputs.Length > 2 ? inputs[2] : null;
        if (x.IsFloating)
        {
            float min = Opset < 11 ? Node.Attributes.Float("min", float.NegativeInfinity) : lo?.Floats[0] ?? float.NegativeInfinity;
            float max = Opset < 11 ? Node.Attributes.Float("max", float.PositiveInfinity) : hi?.Floats[0] ?? float.PositiveInfinity;
            var xs = x.Floats;
            var ys = y.Floats;
            for (int i = 0; i < xs.Length; i++)
            {
                float v = xs[i];
                ys[i] = v < min ? min : v > max ? max : v;
            }
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
