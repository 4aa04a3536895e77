// SoftmaxCrossEntropyLoss: log-softmax over axis 1 of the scores, then the negative log-likelihood loss of
// NegativeLogLikelihoodLoss.cs (weights, ignore_index, reduction). The optional second output is the log-probability.
//   scores: (N, C, d1…)   labels: (N, d1…)   weights: (C)   loss: labels' shape or scalar   log_prob: like scores
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class SoftmaxCrossEntropyLoss : Operator
{
    public SoftmaxCrossEntropyLoss(Node node, long opset) : base(node, opset) => Loss.CheckReduction(this, Error);

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var scores = Required(inputs, 0);
        var loss = Loss.Infer(scores, Required(inputs, 1), inputs.Length > 2 ? inputs[2] : null, Node.Attributes.String("reduction", "mean"), Error);
        return [loss, new TensorType(scores.Type, scores.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        // The planner gives output 1 a buffer even when the graph does not ask for it.
        var logProb = outputs[1];
        int n = x.Shape[0], c = x.Shape[1], inner = ShapeUtil.Size(x.Shape.AsSpan(2));
        var xs = x.Floats;
        var lp = logProb.Floats;
        for (int img = 0; img < n; img++)
        for (int i = 0; i < inner; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int k = 0; k < c; k++) max = Math.Max(max, xs[(img * c + k) * inner + i]);
            for (int k = 0; k < c; k++) sum += Math.Exp(xs[(img * c + k) * inner + i] - max);
            double logSum = Math.Log(sum) + max;
            for (int k = 0; k < c; k++) lp[(img * c + k) * inner + i] = (float)(xs[(img * c + k) * inner + i] - logSum);
        }
        Loss.Run(logProb, inputs[1]!, inputs.Length > 2 ? inputs[2] : null, outputs[0], Node.Attributes);
    }
}
