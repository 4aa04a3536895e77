// A loaded ONNX model: its graph in file order, initializers (the stored weights), and opset imports.
// Initializer tensors are the weight buffers of DESIGN §2: callers may mutate them and restore them.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Graph;

public sealed class Model
{
    public required List<Node> Nodes { get; init; }
    public required Dictionary<string, Tensor> Initializers { get; init; }
    public required List<ValueInfo> Inputs { get; init; }
    public required List<ValueInfo> Outputs { get; init; }
    public required Dictionary<string, long> Opsets { get; init; }
    public string GraphName { get; init; } = "graph";
    public string ProducerName { get; init; } = "";
    public long IrVersion { get; init; } = 8;
    /// <summary>The file the model came from, when it came from a file.</summary>
    public string? Path { get; init; }

    /// <summary>The default-domain opset ("" or "ai.onnx").</summary>
    public long Opset => Opsets.TryGetValue("", out var v) ? v : Opsets.TryGetValue("ai.onnx", out v) ? v : 1;

    /// <summary>This model with other nodes and/or initializers, everything else shared (a rewritten graph, other
    /// stored weights).</summary>
    public Model With(List<Node>? nodes = null, Dictionary<string, Tensor>? initializers = null) => new()
    {
        Nodes = nodes ?? Nodes,
        Initializers = initializers ?? Initializers,
        Inputs = Inputs,
        Outputs = Outputs,
        Opsets = Opsets,
        GraphName = GraphName,
        ProducerName = ProducerName,
        IrVersion = IrVersion,
        Path = Path,
    };

    /// <summary>Graph inputs that are not initializers: what the user must feed.</summary>
    public IEnumerable<ValueInfo> RequiredInputs => Inputs.Where(i => !Initializers.ContainsKey(i.Name));
}
