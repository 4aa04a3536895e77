// A graph input or output as declared: name, element type and shape with symbolic dimensions as -1.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Graph;

public sealed record ValueInfo(string Name, DataType Type, int[]? Shape, string?[]? DimNames = null)
{
    public string ShapeText => Shape is null ? "?" :
        "[" + string.Join(",", Shape.Select((d, i) => d >= 0 ? d.ToString() : DimNames?[i] ?? "?")) + "]";
}
