// Element-wise unary float operators that need no more than one function: Relu, Sigmoid, Tanh, Sqrt, Exp, Log,
// Abs, Neg, Reciprocal, Floor, Ceil, Softsign, Softplus, Sign, Round, Erf, the trigonometric and hyperbolic
// functions, and the parameterised LeakyRelu, HardSigmoid, HardSwish, Elu, Selu, Celu, ThresholdedRelu, Shrink.
// NaN propagates as in PyTorch: Relu(NaN) = NaN. Relu, LeakyRelu, HardSigmoid, HardSwish and Sigmoid run ActivationKernels'
// SIMD pass (bit-identical to these lambdas, the scalar reference it is tested against). Large tensors use both cores.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Unary : Operator
{
    private readonly Func<float, float> function;
    private readonly Activation activation;

    public Unary(Node node, long opset) : base(node, opset)
    {
        var a = node.Attributes;
        activation = AsActivation(node) ?? Activation.None;
        function = node.OpType switch
        {
            "Relu" => x => x > 0 || float.IsNaN(x) ? x : 0f,
            "Sigmoid" => SigmoidKernels.Sigmoid,
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
            "Selu" => Selu(a.Float("alpha", 1.67326319217681884765625f), a.Float("gamma", 1.05070102214813232421875f)),
            "Celu" => Celu(a.Float("alpha", 1f)),
            "ThresholdedRelu" => ThresholdedRelu(a.Float("alpha", 1f)),
            "Shrink" => Shrink(a.Float("bias", 0f), a.Float("lambd", 0.5f)),
            "Softsign" => x => x / (1f + MathF.Abs(x)),
            "Softplus" => x => x > 20f ? x : MathF.Log(1f + MathF.Exp(x)),
            "Sin" => MathF.Sin,
            "Cos" => MathF.Cos,
            "Tan" => MathF.Tan,
            "Asin" => MathF.Asin,
            "Acos" => MathF.Acos,
            "Atan" => MathF.Atan,
            "Sinh" => MathF.Sinh,
            "Cosh" => MathF.Cosh,
            "Asinh" => MathF.Asinh,
            "Acosh" => MathF.Acosh,
            "Atanh" => MathF.Atanh,
            "Erf" => Erf,
            "Sign" => x => float.IsNaN(x) ? x : MathF.Sign(x),
            "Round" => x => MathF.Round(x, MidpointRounding.ToEven),
            _ => throw Error($"not a unary operator", ModelErrorCode.UnsupportedOperator),
        };
    }

    private static Func<float, float> LeakyRelu(float alpha) => x => x >= 0 || float.IsNaN(x) ? x : alpha * x;
    private static Func<float, float> Elu(float alpha) => x => x >= 0 || float.IsNaN(x) ? x : alpha * (MathF.Exp(x) - 1f);
    private static Func<float, float> HardSigmoid(float alpha, float beta) => x => float.IsNaN(x) ? x : Math.Clamp(alpha * x + beta, 0f, 1f);

    private static Func<float, float> Selu(float alpha, float gamma) => x => x > 0 || float.IsNaN(x) ? gamma * x : gamma * alpha * (MathF.Exp(x) - 1f);
    private static Func<float, float> Celu(float alpha) => x => MathF.Max(0f, x) + MathF.Min(0f, alpha * (MathF.Exp(x / alpha) - 1f));
    private static Func<float, float> ThresholdedRelu(float alpha) => x => x > alpha || float.IsNaN(x) ? x : 0f;
    private static Func<float, float> Shrink(float bias, float lambd) => x => x < -lambd ? x + bias : x > lambd ? x - bias : float.IsNaN(x) ? x : 0f;

    // Abramowitz & Stegun 7.1.26 is only good to 1.5e-7 absolute; this uses erf(x) = 1 − erfc(x) with the
    // Chebyshev fit of Numerical Recipes (erfcc, relative error below 1.2e-7), evaluated in double.
    private static float Erf(float value)
    {
        double z = Math.Abs(value), t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return (float)(value >= 0 ? 1 - erfc : erfc - 1);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        if (!(x.Type.IsFloating() || (IntegerFunction(Node.OpType) is not null && x.Type != DataType.Bool))) RequireFloat(x);
        return [new TensorType(x.Type, x.Shape)];
    }

    /// <summary>The ops that also take integers (shape arithmetic in exported graphs negates and takes |x|).</summary>
    private static Func<long, long>? IntegerFunction(string opType) => opType switch
    {
        "Neg" => x => -x,
        "Abs" => x => x < 0 ? -x : x,
        "Sign" => x => Math.Sign(x),
        "Relu" => x => Math.Max(x, 0),
        _ => null,
    };

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        if (!inputs[0]!.IsFloating)
        {
            var xl = inputs[0]!.Longs;
            var yl = outputs[0].Longs;
            var g = IntegerFunction(Node.OpType)!;
            for (int i = 0; i < xl.Length; i++) yl[i] = outputs[0].Type.WrapInteger(g(xl[i]));
            return;
        }
        var xt = inputs[0]!;
        var yt = outputs[0];
        var xb = xt.FloatBuffer!;
        var yb = yt.FloatBuffer!;
        var f = function;
        var type = yt.Type;
        var fast = activation;
        ParallelChunks.For(xt.Length, (start, count) =>
        {
            var x = xb.AsSpan(start, count);
            var y = yb.AsSpan(start, count);
            if (!fast.IsNone) ActivationKernels.Apply(fast, x, y);
            else
                for (int i = 0; i < x.Length; i++) y[i] = f(x[i]);
            if (type != DataType.Float)
                for (int i = 0; i < y.Length; i++) y[i] = type.RoundFloat(y[i]);
        });
    }

    /// <summary>The activation a unary node computes, when ActivationKernels has it with a vector body (null otherwise).</summary>
    public static Activation? AsActivation(Node node)
    {
        var a = node.Attributes;
        return node.OpType switch
        {
            "Relu" => new Activation(ActivationKind.Relu),
            "LeakyRelu" => new Activation(ActivationKind.LeakyRelu, a.Float("alpha", 0.01f)),
            "HardSigmoid" => new Activation(ActivationKind.HardSigmoid, a.Float("alpha", 0.2f), a.Float("beta", 0.5f)),
            "HardSwish" => new Activation(ActivationKind.HardSwish),
            "Sigmoid" => new Activation(ActivationKind.Sigmoid),
            _ => null,
        };
    }

    /// <summary>The scalar reference of this operator's function, for tests of the fast path.</summary>
    internal float Reference(float x) => function(x);
}
