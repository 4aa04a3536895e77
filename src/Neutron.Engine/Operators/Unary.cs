// Element-wise unary float operators that need no more than one function: Relu, Sigmoid, Tanh, Sqrt, Exp, Log,
// Abs, Neg, Reciprocal, Floor, Ceil, and the parameterised LeakyRelu, HardSigmoid, HardSwish, Elu.
// NaN propagates as in PyTorch: Relu(NaN) = NaN. Relu runs as a SIMD max(x, 0) (TensorPrimitives, which
// propagates NaN); the lambdas below are the scalar reference it is tested against. Large tensors use both cores.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Unary : Operator
{
    private readonly Func<float, float> function;
    private readonly bool relu;

    public Unary(Node node, long opset) : base(node, opset)
    {
        var a = node.Attributes;
        relu = node.OpType == "Relu";
        function = node.OpType switch
        {
            "Relu" => x => x > 0 || float.IsNaN(x) ? x : 0f,
            "Sigmoid" => x => 1f / (1f + MathF.Exp(-x)),
            "Tanh" => MathF.Tanh,
            "Sqrt" => MathF.Sqrt,
            "Exp" => MathF.Exp,
            "Log" => MathF.Log,
            "Abs" => MathF.Abs,
            "Neg" => x => -x,
            "Reciprocal" => x => 1f / x,
            "Floor" => MathF.Floor,
            "Ceil" => MathF.Ceiling,
            "LeakyRelu" => LeakyRelu(a.Float("alpha", 0.01f)),
            "Elu" => Elu(a.Float("alpha", 1f)),
            "HardSigmoid" => HardSigmoid(a.Float("alpha", 0.2f), a.Float("beta", 0.5f)),
            "HardSwish" => x => x * HardSigmoid(1f / 6f, 0.5f)(x),
            _ => throw Error($"not a unary operator", ModelErrorCode.UnsupportedOperator),
        };
    }

    private static Func<float, float> LeakyRelu(float alpha) => x => x >= 0 || float.IsNaN(x) ? x : alpha * x;
    private static Func<float, float> Elu(float alpha) => x => x >= 0 || float.IsNaN(x) ? x : alpha * (MathF.Exp(x) - 1f);
    private static Func<float, float> HardSigmoid(float alpha, float beta) => x => float.IsNaN(x) ? x : Math.Clamp(alpha * x + beta, 0f, 1f);

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x);
        return [new TensorType(x.Type, x.Shape)];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var xt = inputs[0]!;
        var yt = outputs[0];
        var xb = xt.FloatBuffer!;
        var yb = yt.FloatBuffer!;
        var f = function;
        var type = yt.Type;
        bool fast = relu && KernelSet.Active != KernelVariant.Scalar;
        ParallelChunks.For(xt.Length, (start, count) =>
        {
            var x = xb.AsSpan(start, count);
            var y = yb.AsSpan(start, count);
            if (fast) TensorPrimitives.Max(x, 0f, y);
            else
                for (int i = 0; i < x.Length; i++) y[i] = f(x[i]);
            if (type != DataType.Float)
                for (int i = 0; i < y.Length; i++) y[i] = type.RoundFloat(y[i]);
        });
    }

    /// <summary>The scalar reference of this operator's function, for tests of the fast path.</summary>
    internal float Reference(float x) => function(x);
}
