// Every operator we serve and the first opset each class handles. Adding an operator: write its class, add a line.
namespace Neutron.Engine.Operators;

internal static class OperatorCatalog
{
    public static void RegisterAll(Action<string, long, Func<Graph.Node, long, Operator>> add)
    {
        add("Add", 1, (n, o) => new Binary(n, o, BinaryOp.Add));
        add("Sub", 1, (n, o) => new Binary(n, o, BinaryOp.Sub));
        add("Mul", 1, (n, o) => new Binary(n, o, BinaryOp.Mul));
        add("Div", 1, (n, o) => new Binary(n, o, BinaryOp.Div));
        add("Pow", 1, (n, o) => new Binary(n, o, BinaryOp.Pow));
        foreach (var op in new[] { "Relu", "Sigmoid", "Tanh", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "LeakyRelu", "Elu", "HardSigmoid" })
            add(op, 1, (n, o) => new Unary(n, o));
        add("HardSwish", 14, (n, o) => new Unary(n, o));
        foreach (var op in new[] { "Selu", "Shrink", "Softsign", "Softplus", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Sign", "Round", "ThresholdedRelu", "Celu" })
            add(op, 1, (n, o) => new Unary(n, o));
        add("Conv", 1, (n, o) => new Conv(n, o));
        add("Gemm", 1, (n, o) => new Gemm(n, o));
        add("MaxPool", 1, (n, o) => new Pool(n, o));
        add("AveragePool", 1, (n, o) => new Pool(n, o));
        add("GlobalAveragePool", 1, (n, o) => new Pool(n, o));
        add("GlobalMaxPool", 1, (n, o) => new Pool(n, o));
        add("BatchNormalization", 1, (n, o) => new BatchNormalization(n, o));
        foreach (var op in new[] { "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout" })
            add(op, 1, (n, o) => new Reshaping(n, o));
        add("MatMul", 1, (n, o) => new MatMul(n, o));
        foreach (var op in new[] { "Sum", "Mean", "Max", "Min" })
            add(op, 1, (n, o) => new Variadic(n, o));
        add("Clip", 1, (n, o) => new Clip(n, o));
        foreach (var op in new[] { "Softmax", "LogSoftmax", "Hardmax" })
            add(op, 1, (n, o) => new Softmax(n, o));
        add("Transpose", 1, (n, o) => new Transpose(n, o));
        add("Concat", 1, (n, o) => new Concat(n, o));
        add("Pad", 1, (n, o) => new Pad(n, o));
        add("Gather", 1, (n, o) => new Gather(n, o));
        add("GatherElements", 11, (n, o) => new Gather(n, o));
        add("Shape", 1, (n, o) => new Shape(n, o));
        add("Size", 1, (n, o) => new Shape(n, o));
        add("ConstantOfShape", 9, (n, o) => new ConstantOfShape(n, o));
        add("Slice", 1, (n, o) => new Slice(n, o));
        add("Split", 2, (n, o) => new Split(n, o));
        add("Expand", 8, (n, o) => new Expand(n, o));
        add("Tile", 6, (n, o) => new Tile(n, o));
        foreach (var op in new[] { "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare" })
            add(op, 1, (n, o) => new Reduce(n, o));
        add("ArgMax", 1, (n, o) => new ArgMax(n, o));
        add("ArgMin", 1, (n, o) => new ArgMax(n, o));
        add("Resize", 10, (n, o) => new Resize(n, o));
        add("Upsample", 7, (n, o) => new Resize(n, o));
        add("ConvTranspose", 1, (n, o) => new ConvTranspose(n, o));
        add("Cast", 6, (n, o) => new Cast(n, o));
        add("CastLike", 15, (n, o) => new Cast(n, o));
        add("QuantizeLinear", 10, (n, o) => new QuantizeLinear(n, o));
        add("DequantizeLinear", 10, (n, o) => new DequantizeLinear(n, o));
        foreach (var op in new[] { "Equal", "Less", "Greater", "And", "Or", "Xor", "Not" })
            add(op, 1, (n, o) => new Comparison(n, o));
        add("IsNaN", 9, (n, o) => new Comparison(n, o));
        add("IsInf", 10, (n, o) => new Comparison(n, o));
        add("LessOrEqual", 12, (n, o) => new Comparison(n, o));
        add("GreaterOrEqual", 12, (n, o) => new Comparison(n, o));
        add("Where", 9, (n, o) => new Where(n, o));
        add("Range", 11, (n, o) => new Range(n, o));
        add("Mod", 10, (n, o) => new Mod(n, o));
        add("PRelu", 6, (n, o) => new PRelu(n, o));
        add("LayerNormalization", 17, (n, o) => new LayerNormalization(n, o));
        add("InstanceNormalization", 6, (n, o) => new InstanceNormalization(n, o));
        add("MeanVarianceNormalization", 9, (n, o) => new MeanVarianceNormalization(n, o));
        add("LRN", 1, (n, o) => new Lrn(n, o));
        add("Trilu", 14, (n, o) => new Trilu(n, o));
        add("CumSum", 11, (n, o) => new CumSum(n, o));
        add("DepthToSpace", 1, (n, o) => new DepthToSpace(n, o));
        add("SpaceToDepth", 1, (n, o) => new DepthToSpace(n, o));
        add("NegativeLogLikelihoodLoss", 12, (n, o) => new NegativeLogLikelihoodLoss(n, o));
        add("SoftmaxCrossEntropyLoss", 12, (n, o) => new SoftmaxCrossEntropyLoss(n, o));
        add("TopK", 1, (n, o) => new TopK(n, o));
        add("OneHot", 9, (n, o) => new OneHot(n, o));
        add("EyeLike", 9, (n, o) => new EyeLike(n, o));
        add("ScatterElements", 11, (n, o) => new ScatterElements(n, o));
        add("Scatter", 9, (n, o) => new ScatterElements(n, o));
        add("GatherND", 11, (n, o) => new GatherND(n, o));
        add("ScatterND", 11, (n, o) => new GatherND(n, o));
        add("BitShift", 11, (n, o) => new BitShift(n, o));
        add("NonZero", 9, (n, o) => new NonZero(n, o));
        add("DynamicQuantizeLinear", 11, (n, o) => new DynamicQuantizeLinear(n, o));
        add("MatMulInteger", 10, (n, o) => new QuantizedMatMul(n, o));
        add("QLinearMatMul", 10, (n, o) => new QuantizedMatMul(n, o));
        add("ConvInteger", 10, (n, o) => new QuantizedConv(n, o));
        add("QLinearConv", 10, (n, o) => new QuantizedConv(n, o));
        add("Compress", 9, (n, o) => new Compress(n, o));
        add("ReverseSequence", 10, (n, o) => new ReverseSequence(n, o));
        foreach (var op in new[] { "HannWindow", "HammingWindow", "BlackmanWindow" })
            add(op, 17, (n, o) => new Window(n, o));
        add("Det", 11, (n, o) => new Det(n, o));
    }

    /// <summary>The most inputs a node of this op may list, over every opset we serve (the spec's signature;
    /// int.MaxValue for variadic ops). A node listing more is refused at load.</summary>
    public static int MaxInputs(string opType) => MaxInputCounts.TryGetValue(opType, out int n) ? n : 1;

    internal static IReadOnlyDictionary<string, int> MaxInputCounts { get; } = BuildMaxInputs();

    private static Dictionary<string, int> BuildMaxInputs()
    {
        var m = new Dictionary<string, int>(StringComparer.Ordinal);
        void Set(int n, params string[] ops)
        {
            foreach (var op in ops) m[op] = n;
        }
        // One input: unary, pooling, reshaping without a shape input, and friends.
        Set(1, "Relu", "Sigmoid", "Tanh", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "LeakyRelu", "Elu",
            "HardSigmoid", "HardSwish", "Selu", "Shrink", "Softsign", "Softplus", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
            "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Sign", "Round", "ThresholdedRelu", "Celu", "MaxPool", "AveragePool",
            "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Identity", "Softmax", "LogSoftmax", "Hardmax", "Transpose", "Shape",
            "Size", "ConstantOfShape", "ArgMax", "ArgMin", "Cast", "Not", "IsNaN", "IsInf", "MeanVarianceNormalization", "LRN",
            "DepthToSpace", "SpaceToDepth", "EyeLike", "NonZero", "DynamicQuantizeLinear", "HannWindow", "HammingWindow",
            "BlackmanWindow", "Det");
        Set(2, "Add", "Sub", "Mul", "Div", "Pow", "Reshape", "Squeeze", "Unsqueeze", "MatMul", "Gather", "GatherElements", "Split",
            "Expand", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
            "ReduceLogSumExp", "ReduceSumSquare", "Upsample", "CastLike", "Equal", "Less", "Greater", "And", "Or", "Xor",
            "LessOrEqual", "GreaterOrEqual", "Mod", "PRelu", "Trilu", "CumSum", "TopK", "GatherND", "BitShift", "Compress",
            "ReverseSequence");
        Set(3, "Conv", "Gemm", "ConvTranspose", "Dropout", "Clip", "Tile", "QuantizeLinear", "DequantizeLinear", "Where", "Range",
            "LayerNormalization", "InstanceNormalization", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "OneHot",
            "ScatterElements", "Scatter", "ScatterND");
        Set(4, "Pad", "Resize", "MatMulInteger", "ConvInteger");
        Set(5, "BatchNormalization", "Slice");
        Set(8, "QLinearMatMul");
        Set(9, "QLinearConv");
        Set(int.MaxValue, "Sum", "Mean", "Max", "Min", "Concat");
        return m;
    }

    /// <summary>Ops whose every input is a float tensor of the input's type (no integer bias, scale or weight).</summary>
    public static readonly IReadOnlySet<string> FloatInputsOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "PRelu",
    };
}
