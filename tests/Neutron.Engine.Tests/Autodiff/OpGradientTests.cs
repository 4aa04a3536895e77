// A finite-difference gradient check for every op on the tape, on small odd shapes. The ops a model runs on the
// tape through the engine's own operators (data movement by an index map, reductions, shape arithmetic) are checked
// as one-node models: the tape's forward equals the engine's, and its gradient the finite differences.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Autodiff;

public class OpGradientTests
{
    private readonly Random rng = new(42);

    [Theory]
    [InlineData(1, 1, 1, 0, 0, 0, 0)]
    [InlineData(2, 2, 2, 1, 0, 2, 1)]
    [InlineData(3, 1, 2, 2, 2, 2, 2)]
    public void Conv(int group, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight)
    {
        var x = GradCheck.Random(rng, true, 2, 6, 7, 6);
        var w = GradCheck.Random(rng, true, 6, 6 / group, 3, 2);
        var b = GradCheck.Random(rng, true, 6);
        GradCheck.Check(t => t.Conv(x, w, b, [strideH, strideW], [padTop, padLeft, padBottom, padRight], group), [x, w, b]);
    }

    [Fact]
    public void Conv_dilated_without_bias()
    {
        var x = GradCheck.Random(rng, true, 1, 2, 7, 7);
        var w = GradCheck.Random(rng, true, 3, 2, 3, 3);
        GradCheck.Check(t => t.Conv(x, w, null, [1, 1], [1, 1, 1, 1], 1, [2, 2]), [x, w]);
    }

    [Theory]
    [InlineData(false, false, new[] { 5 })]
    [InlineData(false, true, new[] { 1, 5 })]
    [InlineData(true, false, new[] { 4, 1 })]
    [InlineData(true, true, new[] { 4, 5 })]
    public void Gemm(bool transA, bool transB, int[] cShape)
    {
        var a = GradCheck.Random(rng, true, transA ? [3, 4] : [4, 3]);
        var b = GradCheck.Random(rng, true, transB ? [5, 3] : [3, 5]);
        var c = GradCheck.Random(rng, true, cShape);
        GradCheck.Check(t => t.Gemm(a, b, c, transA, transB, 0.7f, 1.3f), [a, b, c]);
    }

    [Fact]
    public void Gemm_parallel_rows_match_single_rows()
    {
        // 40 rows split into chunks must give the same forward and gradients as the check on few rows.
        var a = GradCheck.Random(rng, true, 40, 6);
        var b = GradCheck.Random(rng, true, 3, 6);
        GradCheck.Check(t => t.Gemm(a, b, null, false, true), [a, b]);
    }

    public static TheoryData<string> Activations => ["Sigmoid", "Tanh", "LeakyRelu", "Clip", "HardSigmoid", "HardSwish"];

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation(string op)
    {
        // Values spread over [−4, 4] and kept 0.05 from every kink (0, Clip's 0 and 6, HardSigmoid's ±2.5, HardSwish's ±3).
        var x = GradCheck.Random(rng, true, 2, 3, 4, 5);
        float[] kinks = [0f, 6f, -2.5f, 2.5f, -3f, 3f];
        for (int i = 0; i < x.Length; i++)
        {
            float v = x.Data[i] * 4.5f;
            foreach (float k in kinks) if (MathF.Abs(v - k) < 0.05f) v = k + 0.1f;
            x.Data[i] = v;
        }
        Func<Tape, Var> f = op switch
        {
            "Sigmoid" => t => t.Sigmoid(x),
            "Tanh" => t => t.Tanh(x),
            "LeakyRelu" => t => t.LeakyRelu(x, 0.1f),
            "Clip" => t => t.Clip(x, 0f, 6f),
            "HardSigmoid" => t => t.HardSigmoid(x, 0.2f, 0.5f),
            "HardSwish" => t => t.HardSwish(x),
            _ => throw new ArgumentException(op),
        };
        GradCheck.Check(f, [x]);
    }

    [Fact]
    public void MatMul()
    {
        var a = GradCheck.Random(rng, true, 2, 3, 4);
        var b = GradCheck.Random(rng, true, 4, 5);
        GradCheck.Check(t => t.MatMul(a, b), [a, b]);
    }

    [Fact]
    public void Add_broadcast()
    {
        var a = GradCheck.Random(rng, true, 2, 3, 4);
        var b = GradCheck.Random(rng, true, 3, 1);
        var c = GradCheck.Random(rng, true, 2, 3, 4);
        GradCheck.Check(t => t.Add(t.Add(a, b), c), [a, b, c]);
    }

    [Fact]
    public void Mul_broadcast()
    {
        var a = GradCheck.Random(rng, true, 2, 3, 4);
        var b = GradCheck.Random(rng, true, 4);
        GradCheck.Check(t => t.Mul(a, b), [a, b]);
    }

    [Fact]
    public void Relu()
    {
        var x = GradCheck.AwayFromZero(rng, true, 3, 17);
        GradCheck.Check(t => t.Relu(x), [x]);
    }

    [Fact]
    public void Relu_keeps_nan()
    {
        var y = new Tape().Relu(new Var([float.NaN, -1f, 2f], [3]));
        Assert.True(float.IsNaN(y.Data[0]));
        Assert.Equal([0f, 2f], y.Data[1..]);
    }

    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    public void MaxPool(int kernel, int stride, int pad)
    {
        var x = GradCheck.Random(rng, true, 2, 3, 7, 6);
        GradCheck.Check(t => t.MaxPool(x, [kernel, kernel], [stride, stride], [pad, pad, pad, pad]), [x]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AveragePool(bool countIncludePad)
    {
        var x = GradCheck.Random(rng, true, 2, 3, 7, 6);
        GradCheck.Check(t => t.AveragePool(x, [3, 2], [2, 1], [1, 0, 1, 1], countIncludePad), [x]);
    }

    [Fact]
    public void GlobalAveragePool()
    {
        var x = GradCheck.Random(rng, true, 2, 3, 4, 5);
        GradCheck.Check(t => t.GlobalAveragePool(x), [x]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormalization(bool training)
    {
        var x = GradCheck.Random(rng, true, 3, 4, 3, 2);
        var scale = GradCheck.Random(rng, true, 4);
        var bias = GradCheck.Random(rng, true, 4);
        float[] mean = [0.1f, -0.2f, 0.3f, 0f], variance = [1f, 0.5f, 2f, 0.8f];
        GradCheck.Check(t => t.BatchNormalization(x, scale, bias, (float[])mean.Clone(), (float[])variance.Clone()), [x, scale, bias], training, tolerance: 2e-2);
    }

    [Fact]
    public void BatchNormalization_training_moves_running_statistics()
    {
        var x = new Var([1f, 3f, 5f, 7f], [4, 1]);
        float[] mean = [0f], variance = [1f];
        new Tape { Training = true }.BatchNormalization(x, new Var([1f], [1]), new Var([0f], [1]), mean, variance, 1e-5f, 0.9f);
        Assert.Equal(0.1f * 4f, mean[0], 5);
        // Unbiased batch variance: Σ(x−4)² / 3 = 20/3.
        Assert.Equal(0.9f + 0.1f * 20f / 3f, variance[0], 5);
    }

    [Fact]
    public void Flatten_and_Reshape()
    {
        var x = GradCheck.Random(rng, true, 2, 3, 4);
        var w = GradCheck.Random(rng, true, 3, 4);
        GradCheck.Check(t => t.Mul(t.Reshape(t.Flatten(x, 1), Tape.ResolveShape([2, 12], [0, 3, -1])), w), [x, w]);
    }

    [Fact]
    public void Concat()
    {
        var a = GradCheck.Random(rng, true, 2, 3, 2);
        var b = GradCheck.Random(rng, true, 2, 1, 2);
        GradCheck.Check(t => t.Concat([a, b, a], 1), [a, b]);
    }

    [Fact]
    public void SoftmaxCrossEntropy()
    {
        var z = GradCheck.Random(rng, true, 4, 5);
        for (int i = 0; i < z.Length; i++) z.Data[i] *= 3;
        GradCheck.Check(t => t.SoftmaxCrossEntropy(z, [0, 4, 2, 2]), [z]);
    }

    [Fact]
    public void Move_repeats_and_fills()
    {
        // Element 1 taken twice, element 3 never, two fills: the gradient adds both copies and skips the fills.
        var x = GradCheck.Random(rng, true, 4);
        GradCheck.Check(t => t.Move(x, [1, -1, 0, 1, 2, -1], [2, 3], 0.5f), [x]);
        var y = new Tape().Move(x, [1, -1, 0, 1, 2, -1], [2, 3], 0.5f);
        Assert.Equal([x.Data[1], 0.5f, x.Data[0], x.Data[1], x.Data[2], 0.5f], y.Data);
    }

    public static TheoryData<string> Nodes => ["Pad-constant", "Pad-reflect", "Pad-edge", "Pad-crop", "Transpose", "Slice", "Gather",
        "Split", "Squeeze", "Unsqueeze", "Expand", "ReduceMean", "ReduceSum", "ShapeArithmetic"];

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Model_node_matches_the_engine_and_finite_differences(string name)
    {
        var (model, shape) = OneNodeModel(name);
        var x = GradCheck.Random(rng, true, shape);
        var net = new ModelTape(model);
        var expected = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats((float[])x.Data.Clone(), shape) })["y"];
        var y = net.Forward(new Tape { Recording = false }, x);
        Assert.Equal(expected.Shape, y.Shape);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected.Floats[i], y.Data[i], 5);
        GradCheck.Check(t => net.Forward(t, x), [x]);
    }

    [Fact]
    public void A_gathered_weight_is_a_parameter_with_its_gradient()
    {
        // y = x + W[[2, 0, 2]]: row 2 of W is taken twice, row 1 never.
        var w = GradCheck.Random(rng, false, 3, 4);
        var model = Build(
            [new Node { Name = "g", OpType = "Gather", Inputs = ["w", "i"], Outputs = ["rows"], Attributes = Attrs("Gather", ("axis", 0L)) },
             new Node { Name = "a", OpType = "Add", Inputs = ["x", "rows"], Outputs = ["y"], Attributes = Attrs("Add") }],
            new() { ["w"] = Tensor.FromFloats(w.Data, 3, 4), ["i"] = Longs(2, 0, 2) }, [3, 4]);
        var net = new ModelTape(model);
        var weight = Assert.Single(net.Parameters);
        Assert.Equal("w", weight.Name);
        var x = GradCheck.Random(rng, true, 3, 4);
        GradCheck.Check(t => net.Forward(t, x), [x, weight]);
    }

    [Fact]
    public void A_node_outside_autodiff_is_refused_naming_its_operator()
    {
        var e = Assert.Throws<ModelException>(() => new ModelTape(Build([new Node { Name = "n", OpType = "Softmax", Inputs = ["x"], Outputs = ["y"], Attributes = Attrs("Softmax") }], [], [2, 3])));
        Assert.Contains("not Softmax", e.Message);
        // A data-dependent shape (Reshape to a shape read from the data) is refused naming the node and input.
        e = Assert.Throws<ModelException>(() => new ModelTape(Build(
            [new Node { Name = "r", OpType = "Reshape", Inputs = ["x", "x"], Outputs = ["y"], Attributes = Attrs("Reshape") }], [], [2])));
        Assert.Contains("Reshape's input 1", e.Message);
    }

    static Attributes Attrs(string op, params (string Key, object Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value), op);

    static Tensor Longs(params long[] values) => Tensor.FromLongs(DataType.Int64, values, values.Length);

    static Model Build(List<Node> nodes, Dictionary<string, Tensor> initializers, int[] shape) => new()
    {
        Nodes = nodes,
        Initializers = initializers,
        Inputs = [new ValueInfo("x", DataType.Float, shape)],
        Outputs = [new ValueInfo("y", DataType.Undefined, null)],
        Opsets = new() { [""] = 13 },
    };

    /// <summary>A model of one node (opset 13) reading x and writing y, and x's shape.</summary>
    static (Model Model, int[] Shape) OneNodeModel(string name)
    {
        Node N(string op, string[] inputs, params (string, object)[] attributes) =>
            new() { Name = "n", OpType = op, Inputs = inputs, Outputs = ["y"], Attributes = Attrs(op, attributes) };
        int[] image = [2, 3, 4, 5];
        return name switch
        {
            "Pad-constant" => (Build([N("Pad", ["x", "p", "v"], ("mode", "constant"))], new() { ["p"] = Longs(0, 0, 1, 2, 0, 1, 2, 1), ["v"] = Tensor.Scalar(0.5f) }, image), image),
            "Pad-reflect" => (Build([N("Pad", ["x", "p"], ("mode", "reflect"))], new() { ["p"] = Longs(0, 0, 2, 1, 0, 0, 1, 3) }, image), image),
            "Pad-edge" => (Build([N("Pad", ["x", "p"], ("mode", "edge"))], new() { ["p"] = Longs(0, 1, 2, 0, 1, 0, 0, 3) }, image), image),
            "Pad-crop" => (Build([N("Pad", ["x", "p"])], new() { ["p"] = Longs(0, 0, -1, 2, 0, 0, 1, -2) }, image), image),
            "Transpose" => (Build([N("Transpose", ["x"], ("perm", new long[] { 0, 2, 3, 1 }))], [], image), image),
            "Slice" => (Build([N("Slice", ["x", "s", "e", "a", "t"])], new() { ["s"] = Longs(1, -1, 0), ["e"] = Longs(3, -6, 5), ["a"] = Longs(1, 2, 3), ["t"] = Longs(1, -2, 2) }, image), image),
            "Gather" => (Build([N("Gather", ["x", "i"], ("axis", 1L))], new() { ["i"] = Tensor.FromLongs(DataType.Int64, [2, 0, 2, -1], 2, 2) }, image), image),
            "Split" => (Build([new Node { Name = "n", OpType = "Split", Inputs = ["x", "s"], Outputs = ["y0", "y"], Attributes = Attrs("Split", ("axis", 1L)) }],
                new() { ["s"] = Longs(1, 2) }, image), image),
            "Squeeze" => (Build([N("Squeeze", ["x", "a"])], new() { ["a"] = Longs(1) }, [3, 1, 4]), [3, 1, 4]),
            "Unsqueeze" => (Build([N("Unsqueeze", ["x", "a"])], new() { ["a"] = Longs(0, 3) }, [3, 4]), [3, 4]),
            "Expand" => (Build([N("Expand", ["x", "s"])], new() { ["s"] = Longs(2, 3, 4) }, [3, 1]), [3, 1]),
            "ReduceMean" => (Build([N("ReduceMean", ["x"], ("axes", new long[] { 2, 3 }), ("keepdims", 0L))], [], image), image),
            "ReduceSum" => (Build([N("ReduceSum", ["x", "a"])], new() { ["a"] = Longs(-3) }, image), image),
            // ShuffleNet's channel shuffle: the shape of x read, taken apart and divided, reassembled for two Reshapes
            // around a Transpose (every value but x and y carries no gradient).
            "ShapeArithmetic" => (Build(
                [new() { Name = "shape", OpType = "Shape", Inputs = ["x"], Outputs = ["sh"], Attributes = Attrs("Shape") },
                 new() { Name = "batch", OpType = "Gather", Inputs = ["sh", "zero"], Outputs = ["b"], Attributes = Attrs("Gather", ("axis", 0L)) },
                 new() { Name = "channels", OpType = "Gather", Inputs = ["sh", "one"], Outputs = ["c"], Attributes = Attrs("Gather", ("axis", 0L)) },
                 new() { Name = "half", OpType = "Div", Inputs = ["c", "two"], Outputs = ["h"], Attributes = Attrs("Div") },
                 new() { Name = "ub", OpType = "Unsqueeze", Inputs = ["b", "axis0"], Outputs = ["ub"], Attributes = Attrs("Unsqueeze") },
                 new() { Name = "uh", OpType = "Unsqueeze", Inputs = ["h", "axis0"], Outputs = ["uh"], Attributes = Attrs("Unsqueeze") },
                 new() { Name = "grouped", OpType = "Concat", Inputs = ["ub", "two1", "uh", "rest"], Outputs = ["g"], Attributes = Attrs("Concat", ("axis", 0L)) },
                 new() { Name = "r1", OpType = "Reshape", Inputs = ["x", "g"], Outputs = ["r1"], Attributes = Attrs("Reshape") },
                 new() { Name = "t", OpType = "Transpose", Inputs = ["r1"], Outputs = ["t"], Attributes = Attrs("Transpose", ("perm", new long[] { 0, 2, 1, 3, 4 })) },
                 new() { Name = "r2", OpType = "Reshape", Inputs = ["t", "sh"], Outputs = ["y"], Attributes = Attrs("Reshape") }],
                new() { ["zero"] = Tensor.ScalarLong(0), ["one"] = Tensor.ScalarLong(1), ["two"] = Tensor.ScalarLong(2), ["axis0"] = Longs(0), ["two1"] = Longs(2), ["rest"] = Longs(-1, 3) },
                [2, 4, 3, 3]), [2, 4, 3, 3]),
            _ => throw new ArgumentException(name),
        };
    }
}
