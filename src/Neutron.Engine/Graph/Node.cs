// One node of the graph as read from the model: names only; operators are created from it by the registry.
namespace Neutron.Engine.Graph;

public sealed class Node
{
    public required string Name { get; init; }
    public required string OpType { get; init; }
    public string Domain { get; init; } = "";
    /// <summary>Input value names; "" marks an omitted optional input.</summary>
    public required string[] Inputs { get; init; }
    public required string[] Outputs { get; init; }
    public required Attributes Attributes { get; init; }

    public override string ToString() => $"node '{Name}' ({OpType})";
}
