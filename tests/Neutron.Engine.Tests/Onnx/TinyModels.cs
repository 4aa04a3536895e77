// Small models built in code and written by OnnxWriter, for tests that need a model they can bend: a CNN using
// the common ops (Conv, BatchNormalization, Relu, MaxPool, Reshape, Gemm, Sigmoid, Add) on (N, 1, 6, 6) input, and
// a graph of shape arithmetic (Shape, Gather, Unsqueeze, Concat, Range, ConstantOfShape, Expand, Slice) for the fuzz.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Onnx;

public static class TinyModels
{
    public static Node Node(string name, string op, string[] inputs, string[] outputs, Dictionary<string, object>? attributes = null) =>
        new() { Name = name, OpType = op, Inputs = inputs, Outputs = outputs, Attributes = new Attributes(attributes ?? [], $"node '{name}'") };

    private static Tensor Random(Random r, params int[] shape)
    {
        var t = Tensor.Zeros(DataType.Float, shape);
        for (int i = 0; i < t.Length; i++) t.Floats[i] = (float)(r.NextDouble() - 0.5);
        return t;
    }

    public static Model Cnn(long opset = 13)
    {
        var r = new Random(5);
        var var = Tensor.FromFloats([0.5f, 2f], 2);
        return new Model
        {
            Nodes =
            [
                Node("conv", "Conv", ["x", "w1", "b1"], ["c"], new() { ["pads"] = new long[] { 1, 1, 1, 1 }, ["kernel_shape"] = new long[] { 3, 3 } }),
                Node("bn", "BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["n"]),
                Node("relu", "Relu", ["n"], ["a"]),
                Node("pool", "MaxPool", ["a"], ["p"], new() { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } }),
                Node("reshape", "Reshape", ["p", "shape"], ["f"]),
                Node("fc", "Gemm", ["f", "w2", "b2"], ["g"], new() { ["transB"] = 1L }),
                Node("sigmoid", "Sigmoid", ["g"], ["s"]),
                Node("add", "Add", ["s", "offset"], ["y"]),
            ],
            Initializers = new()
            {
                ["w1"] = Random(r, 2, 1, 3, 3),
                ["b1"] = Random(r, 2),
                ["scale"] = Random(r, 2),
                ["shift"] = Random(r, 2),
                ["mean"] = Random(r, 2),
                ["var"] = var,
                ["shape"] = Tensor.FromLongs(DataType.Int64, [-1, 18], 2),
                ["w2"] = Random(r, 4, 18),
                ["b2"] = Random(r, 4),
                ["offset"] = Random(r, 4),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 1, 6, 6], ["N", null, null, null])],
            Outputs = [new ValueInfo("y", DataType.Float, [-1, 4], ["N", null])],
            Opsets = new() { [""] = opset },
            ProducerName = "neutron-tests",
        };
    }

    /// <summary>(N, 3, 4, 4) → (N, 10): shape arithmetic folded at load (Shape, Gather, Unsqueeze, Concat, Range,
    /// ConstantOfShape, Expand, Slice), then Reshape, Add, Mul and Softmax.</summary>
    public static Model ShapeArithmetic()
    {
        Tensor Longs(params long[] v) => Tensor.FromLongs(DataType.Int64, v, v.Length);
        return new Model
        {
            Nodes =
            [
                Node("shape", "Shape", ["x"], ["s"]),
                Node("batch", "Gather", ["s", "zero"], ["n"], new() { ["axis"] = 0L }),
                Node("unsq", "Unsqueeze", ["n", "axes0"], ["n1"]),
                Node("concat", "Concat", ["n1", "width"], ["shape2"], new() { ["axis"] = 0L }),
                Node("flat", "Reshape", ["x", "shape2"], ["f"]),
                Node("range", "Range", ["start", "limit", "delta"], ["r"]),
                Node("add", "Add", ["f", "r"], ["fr"]),
                Node("const", "ConstantOfShape", ["row"], ["c"], new() { ["value"] = Tensor.FromFloats([0.5f], 1) }),
                Node("expand", "Expand", ["c", "shape2"], ["e"]),
                Node("mul", "Mul", ["fr", "e"], ["m"]),
                Node("slice", "Slice", ["m", "starts", "ends", "axes1"], ["sl"]),
                Node("softmax", "Softmax", ["sl"], ["y"], new() { ["axis"] = 1L }),
            ],
            Initializers = new()
            {
                ["zero"] = Tensor.FromLongs(DataType.Int64, [0]).View([]),
                ["axes0"] = Longs(0),
                ["width"] = Longs(48),
                ["start"] = Tensor.FromFloats([0f]).View([]),
                ["limit"] = Tensor.FromFloats([48f]).View([]),
                ["delta"] = Tensor.FromFloats([1f]).View([]),
                ["row"] = Longs(1, 48),
                ["starts"] = Longs(0),
                ["ends"] = Longs(10),
                ["axes1"] = Longs(1),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 3, 4, 4], ["N", null, null, null])],
            Outputs = [new ValueInfo("y", DataType.Float, [-1, 10], ["N", null])],
            Opsets = new() { [""] = 13 },
            ProducerName = "neutron-tests",
        };
    }
}
