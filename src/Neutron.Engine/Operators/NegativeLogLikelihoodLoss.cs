// NegativeLogLikelihoodLoss, and the loss core SoftmaxCrossEntropyLoss.cs reuses: loss[n, d…] = −w[t]·x[n, t, d…]
// with t = target[n, d…]; targets equal to ignore_index weigh 0. reduction: none, sum, mean (Σ loss / Σ weight).
//   input: (N, C, d1…)   target: (N, d1…) int   weight: (C) optional   loss: target's shape, or a scalar
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class NegativeLogLikelihoodLoss : Operator
{
    public NegativeLogLikelihoodLoss(Node node, long opset) : base(node, opset) => Loss.CheckReduction(this, Error);

    public override TensorType[] Infer(TensorType?[] inputs) =>
        [Loss.Infer(Required(inputs, 0), Required(inputs, 1), inputs.Length > 2 ? inputs[2] : null, Node.Attributes.String("reduction", "mean"), Error)];

    public override void Run(Tensor?[] inputs, Tensor[] outputs) =>
        Loss.Run(inputs[0]!, inputs[1]!, inputs.Length > 2 ? inputs[2] : null, outputs[0], Node.Attributes);
}

internal static class Loss
{
    public static void CheckReduction(Operator op, Func<string, ModelErrorCode, ModelException> error)
    {
        string r = op.Node.Attributes.String("reduction", "mean");
        if (r is not ("none" or "sum" or "mean")) throw error($"reduction '{r}' is not one of none, sum, mean", ModelErrorCode.InvalidAttribute);
    }

    public static TensorType Infer(TensorType input, TensorType target, TensorType? weight, string reduction, Func<string, ModelErrorCode, ModelException> error)
    {
        if (!input.Type.IsFloating()) throw error($"input must be floating, got {input.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        if (target.Type is not (DataType.Int32 or DataType.Int64)) throw error($"target must be int32 or int64, got {target.Type.Name()}", ModelErrorCode.UnsupportedDataType);
        int[] expected = [input.Shape[0], .. input.Shape[2..]];
        if (input.Shape.Length < 2 || !target.Shape.AsSpan().SequenceEqual(expected))
            throw error($"target {ShapeUtil.Format(target.Shape)} must be {ShapeUtil.Format(expected)} for input {ShapeUtil.Format(input.Shape)}", ModelErrorCode.ShapeMismatch);
        if (weight is not null && (weight.Shape.Length != 1 || weight.Shape[0] != input.Shape[1]))
            throw error($"weight {ShapeUtil.Format(weight.Shape)} must be [{input.Shape[1]}]", ModelErrorCode.ShapeMismatch);
        return new TensorType(input.Type, reduction == "none" ? target.Shape : []);
    }

    public static void Run(Tensor input, Tensor target, Tensor? weight, Tensor loss, Attributes attributes)
    {
        string reduction = attributes.String("reduction", "mean");
        bool hasIgnore = attributes.Has("ignore_index");
        long ignore = attributes.Int("ignore_index", 0);
        int n = input.Shape[0], c = input.Shape[1], inner = ShapeUtil.Size(input.Shape.AsSpan(2));
        var x = input.Floats;
        var t = target.Longs;
        double total = 0, weights = 0;
        for (int img = 0; img < n; img++)
        for (int i = 0; i < inner; i++)
        {
            long cls = t[img * inner + i];
            double value = 0, w = 0;
            if (!(hasIgnore && cls == ignore))
            {
                if (cls < 0 || cls >= c) throw new ArgumentOutOfRangeException(nameof(target), $"target class {cls} is out of range [0, {c})");
                w = weight is null ? 1 : weight.Floats[(int)cls];
                value = -x[(img * c + (int)cls) * inner + i] * w;
            }
            if (reduction == "none") loss.Floats[img * inner + i] = (float)value;
            total += value;
            weights += w;
        }
        if (reduction == "sum") loss.Floats[0] = (float)total;
        else if (reduction == "mean") loss.Floats[0] = (float)(weights == 0 ? 0 : total / weights);
    }
}
