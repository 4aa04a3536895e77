// Range: start, start + delta, ... below limit (above it for a negative delta). The three scalars must be known
// at load, since they decide the output's length.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Range : Operator
{
    public Range(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var start = ConstantInput(inputs, 0, "start");
        var limit = ConstantInput(inputs, 1, "limit");
        var delta = ConstantInput(inputs, 2, "delta");
        if (start.Length != 1 || limit.Length != 1 || delta.Length != 1) throw Error("start, limit and delta must be scalars");
        if (delta.GetDouble(0) == 0) throw Error("delta is 0");
        double count = Math.Ceiling((limit.GetDouble(0) - start.GetDouble(0)) / delta.GetDouble(0));
        if (double.IsNaN(count)) throw Error("start, limit or delta is NaN");
        if (count > EngineLimits.MaxElements)
            throw Error($"would make {count:G} elements, more than the {EngineLimits.MaxElements} one tensor may hold (docs/operators.md, Limits)");
        return [new TensorType(start.Type, [(int)Math.Max(count, 0)])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var y = outputs[0];
        if (y.IsFloating)
        {
            float s = inputs[0]!.Floats[0], d = inputs[2]!.Floats[0];
            for (int i = 0; i < y.Length; i++) y.Floats[i] = s + i * d;
        }
        else
        {
            long s = inputs[0]!.Longs[0], d = inputs[2]!.Longs[0];
            for (int i = 0; i < y.Length; i++) y.Longs[i] = s + i * d;
        }
    }
}
