// Structural checks of a loaded graph that no operator makes: it declares outputs, its input and output names are
// unique and non-empty, declared dimensions are sizes or symbolic, and stored tensors are not named twice. Run when a
// session is built (OnnxReader already refuses what it cannot represent); operators check their own nodes, the
// planner types and sizes.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Graph;

public static class ModelChecks
{
    public static void Validate(Model model)
    {
        if (model.Outputs.Count == 0)
            throw Invalid("the graph declares no outputs, so running it computes nothing; re-export the model with its outputs");
        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in model.Inputs)
        {
            if (string.IsNullOrEmpty(input.Name)) throw Invalid("a graph input has an empty name");
            if (!inputs.Add(input.Name)) throw Invalid($"graph input '{input.Name}' is declared twice");
            CheckDims(input, "graph input");
        }
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in model.Outputs)
        {
            if (string.IsNullOrEmpty(output.Name)) throw Invalid("a graph output has an empty name");
            if (!outputs.Add(output.Name)) throw Invalid($"graph output '{output.Name}' is declared twice");
            CheckDims(output, "graph output");
        }
        foreach (var (name, tensor) in model.Initializers)
            if (tensor.Shape.Any(d => d < 0))
                throw Invalid($"stored tensor '{name}' has shape {ShapeUtil.Format(tensor.Shape)} with a negative dimension");
        foreach (var node in model.Nodes)
            foreach (var o in node.Outputs)
                if (o.Length > 0 && (model.Initializers.ContainsKey(o) || inputs.Contains(o)))
                    throw Invalid($"{node}: output '{o}' is also a graph input or a stored tensor");
    }

    // -1 is how some exporters (Paddle) write an unknown dimension; anything else negative is damage.
    private static void CheckDims(ValueInfo value, string what)
    {
        if (value.Shape is not { } dims) return;
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] < -1)
                throw Invalid($"{what} '{value.Name}' has dimension {dims[i]} at axis {i}; a dimension is a size ≥ 0 or symbolic");
    }

    private static ModelException Invalid(string message) => new(ModelErrorCode.InvalidGraph, message);
}
