// Maps (domain, op_type, opset) to an operator. Each entry records the first opset whose semantics the class
// implements; a class serving several versions branches on Opset itself.
using Neutron.Engine.Graph;

namespace Neutron.Engine.Operators;

public static class OperatorRegistry
{
    /// <summary>The newest default-domain opset we know; newer models fail at load rather than run wrongly.</summary>
    public const long MaxOpset = 17;
    public const long MinOpset = 1;

    private static readonly Dictionary<string, (long Since, Func<Node, long, Operator> Create)> Ops = new()
    {
        // Filled by Register calls in OperatorCatalog.
    };

    static OperatorRegistry() => OperatorCatalog.RegisterAll(Register);

    private static void Register(string opType, long since, Func<Node, long, Operator> create) => Ops[opType] = (since, create);

    public static IEnumerable<string> SupportedOps => Ops.Keys.Order(StringComparer.Ordinal);

    public static bool IsSupported(string opType, string domain = "") => domain is "" && Ops.ContainsKey(opType);

    public static Operator Create(Node node, long opset)
    {
        if (node.Domain is not "")
            throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: domain '{node.Domain}' is not supported (opset {opset}); only the default ONNX domain is");
        if (!Ops.TryGetValue(node.OpType, out var entry))
            throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: operator {node.OpType} (opset {opset}) is not supported");
        if (opset > MaxOpset)
            throw new ModelException(ModelErrorCode.UnsupportedOpset, $"{node}: opset {opset} is newer than the newest we serve ({MaxOpset}); re-export the model with opset ≤ {MaxOpset}");
        if (opset < entry.Since)
            throw new ModelException(ModelErrorCode.UnsupportedOpset, $"{node}: {node.OpType} exists from opset {entry.Since}, the model imports opset {opset}");
        int maxInputs = OperatorCatalog.MaxInputs(node.OpType);
        if (node.Inputs.Length > maxInputs)
            throw new ModelException(ModelErrorCode.InvalidGraph, $"{node} (opset {opset}): lists {node.Inputs.Length} inputs, {node.OpType} takes at most {maxInputs}; the model is malformed");
        return entry.Create(node, opset);
    }
}
