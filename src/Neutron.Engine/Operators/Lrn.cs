// LRN (local response normalisation across channels, AlexNet-style):
//   y = x / (bias + alpha/size · Σ x²)^beta, the sum over channels [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
//   x: (N, C, ...)   y: like x
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Lrn : Operator
{
    private readonly float alpha, beta, bias;
    private readonly int size;

    public Lrn(Node node, long opset) : base(node, opset)
    {
        alpha = node.Attributes.Float("alpha", 1e-4f);
        beta = node.Attributes.Float("beta", 0.75f);
        bias = node.Attributes.Float("bias", 1f);
        size = checked((int)node.Attributes.Int("size"));
        if (size < 1) throw Error($"size {size} must be ≥ 1", ModelErrorCode.InvalidAttribute);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        if (x.Shape.Length < 3) throw Error($"X must be at least 3-D, got {ShapeUtil.Format(x.Shape)}");
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        int n = x.Shape[0], c = x.Shape[1], inner = ShapeUtil.Size(x.Shape.AsSpan(2));
        int before = (size - 1) / 2, after = size - 1 - before;
        var xs = x.Floats;
        var ys = outputs[0].Floats;
        for (int img = 0; img < n; img++)
        for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < inner; i++)
        {
            double sum = 0;
            for (int k = Math.Max(0, ch - before); k <= Math.Min(c - 1, ch + after); k++)
            {
                double v = xs[(img * c + k) * inner + i];
                sum += v * v;
            }
            int at = (img * c + ch) * inner + i;
            ys[at] = (float)(xs[at] / Math.Pow(bias + alpha / size * sum, beta));
        }
    }
}
