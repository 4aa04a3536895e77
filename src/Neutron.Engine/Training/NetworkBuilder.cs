// Builds a Model node by node with freshly initialised weights (Kaiming-uniform for ReLU, zero biases, BN at
// γ = 1, β = 0, running mean 0 and variance 1), named as PyTorch names them ("conv1.weight"), so a trained net
// exports as plain opset-13 ONNX. The architectures (Architectures.cs) are written with it.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Training;

public sealed class NetworkBuilder
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    private readonly List<Node> nodes = [];
    private readonly Dictionary<string, Tensor> initializers = new(StringComparer.Ordinal);
    private readonly Random rng;

    public NetworkBuilder(int seed) => rng = new Random(seed);

    public string Conv(string x, string name, int inChannels, int outChannels, int kernel, int stride = 1, int pad = 0, bool bias = true)
    {
        Weight(name + ".weight", [outChannels, inChannels, kernel, kernel], inChannels * kernel * kernel);
        if (bias) initializers[name + ".bias"] = Tensor.Zeros(DataType.Float, outChannels);
        return Add("Conv", name, bias ? [x, name + ".weight", name + ".bias"] : [x, name + ".weight"], new()
        {
            ["kernel_shape"] = new long[] { kernel, kernel },
            ["strides"] = new long[] { stride, stride },
            ["pads"] = new long[] { pad, pad, pad, pad },
            ["dilations"] = new long[] { 1, 1 },
            ["group"] = 1L,
        });
    }

    public string BatchNorm(string x, string name, int channels)
    {
        initializers[name + ".weight"] = Tensor.FromFloats(Enumerable.Repeat(1f, channels).ToArray(), channels);
        initializers[name + ".bias"] = Tensor.Zeros(DataType.Float, channels);
        initializers[name + ".running_mean"] = Tensor.Zeros(DataType.Float, channels);
        initializers[name + ".running_var"] = Tensor.FromFloats(Enumerable.Repeat(1f, channels).ToArray(), channels);
        return Add("BatchNormalization", name, [x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"],
            new() { ["epsilon"] = 1e-5f, ["momentum"] = 0.9f });
    }

    public string Relu(string x, string name) => Add("Relu", name, [x], []);

    public string MaxPool(string x, string name, int kernel, int stride) => Add("MaxPool", name, [x], new()
    {
        ["kernel_shape"] = new long[] { kernel, kernel },
        ["strides"] = new long[] { stride, stride },
    });

    public string GlobalAveragePool(string x, string name) => Add("GlobalAveragePool", name, [x], []);

    public string Flatten(string x, string name) => Add("Flatten", name, [x], new() { ["axis"] = 1L });

    public string Sum(string a, string b, string name) => Add("Add", name, [a, b], []);

    /// <summary>A fully connected layer as Gemm with transB = 1 (weight stored [out, in], as PyTorch's Linear).</summary>
    public string Linear(string x, string name, int inFeatures, int outFeatures, string? output = null)
    {
        Weight(name + ".weight", [outFeatures, inFeatures], inFeatures);
        initializers[name + ".bias"] = Tensor.Zeros(DataType.Float, outFeatures);
        return Add("Gemm", name, [x, name + ".weight", name + ".bias"], new() { ["transB"] = 1L }, output);
    }

    public Model Build(int channels, int height, int width, int classes, string graphName) => new()
    {
        Nodes = nodes,
        Initializers = initializers,
        Inputs = [new ValueInfo(InputName, DataType.Float, [-1, channels, height, width], ["N", null, null, null])],
        Outputs = [new ValueInfo(OutputName, DataType.Float, [-1, classes], ["N", null])],
        Opsets = new() { [""] = 13 },
        GraphName = graphName,
        ProducerName = "neutron",
        IrVersion = 8,
    };

    private string Add(string op, string name, string[] inputs, Dictionary<string, object> attributes, string? output = null)
    {
        string y = output ?? name;
        nodes.Add(new Node { Name = name, OpType = op, Inputs = inputs, Outputs = [y], Attributes = new Attributes(attributes, $"node '{name}' ({op})") });
        return y;
    }

    /// <summary>Kaiming-uniform for ReLU nets: U(±√(6 / fan_in)), keeping activations' variance through depth.</summary>
    private void Weight(string name, int[] shape, int fanIn)
    {
        var data = new float[ShapeUtil.Size(shape)];
        float bound = MathF.Sqrt(6f / fanIn);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1) * bound;
        initializers[name] = Tensor.FromFloats(data, shape);
    }
}
