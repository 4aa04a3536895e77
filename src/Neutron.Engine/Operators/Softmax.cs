// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at 'axis' (default 1) and each row
// of the flattened [outer, inner] matrix is normalised; from 13 only the one axis (default -1) is.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Softmax : Operator
{
    public Softmax(Node node, long opset) : base(node, opset) { }

    private int Axis(int rank)
    {
        long a = Node.Attributes.Int("axis", Opset < 13 ? 1 : -1);
        long axis = a < 0 ? a + rank : a;
        if (axis < 0 || axis >= Math.Max(rank, 1)) throw Error($"axis {a} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute);
        return (int)axis;
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x);
        Axis(x.Shape.Length);
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var xs = x.Floats;
        var ys = outputs[0].Floats;
        int axis = Axis(x.Rank);
        int outer = ShapeUtil.Size(x.Shape.AsSpan(0, axis));
        int dim, inner;
        if (Opset < 13) { dim = ShapeUtil.Size(x.Shape.AsSpan(axis)); inner = 1; }
        else { dim = x.Rank == 0 ? 1 : x.Shape[axis]; inner = ShapeUtil.Size(x.Shape.AsSpan(axis + 1)); }
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int start = o * dim * inner + i;
            float max = float.NegativeInfinity;
            int argmax = 0;
            for (int k = 0; k < dim; k++)
            {
                float v = xs[start + k * inner];
                if (v > max) { max = v; argmax = k; }
            }
            switch (Node.OpType)
            {
                case "Hardmax":
                    for (int k = 0; k < dim; k++) ys[start + k * inner] = k == argmax ? 1f : 0f;
                    break;
                default:
                    {
                        double sum = 0;
                        for (int k = 0; k < dim; k++) sum += Math.Exp(xs[start + k * inner] - max);
                        bool log = Node.OpType == "LogSoftmax";
                        double logSum = Math.Log(sum);
                        for (int k = 0; k < dim; k++)
                        {
                            double shifted = xs[start + k * inner] - max;
                            ys[start + k * inner] = (float)(log ? shifted - logSum : Math.Exp(shifted) / sum);
                        }
                        break;
                    }
            }
        }
        var type = outputs[0].Type;
        if (type != DataType.Float) for (int i = 0; i < ys.Length; i++) ys[i] = type.RoundFloat(ys[i]);
    }
}
