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
        add("Conv", 1, (n, o) => new Conv(n, o));
        add("Gemm", 1, (n, o) => new Gemm(n, o));
        add("MaxPool", 1, (n, o) => new Pool(n, o));
        add("AveragePool", 1, (n, o) => new Pool(n, o));
        add("GlobalAveragePool", 1, (n, o) => new Pool(n, o));
        add("GlobalMaxPool", 1, (n, o) => new Pool(n, o));
        add("BatchNormalization", 1, (n, o) => new BatchNormalization(n, o));
        foreach (var op in new[] { "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout" })
            add(op, 1, (n, o) => new Reshaping(n, o));
    }
}
