// A node as scheduled in a plan: its operator and the ids of its input and output values.
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

public sealed class PlannedNode
{
    internal PlannedNode(int index, Operator op, int[] inputIds, int[] outputIds)
    {
        Index = index;
        Operator = op;
        InputIds = inputIds;
        OutputIds = outputIds;
        InputScratch = new Tensor?[inputIds.Length];
        OutputScratch = new Tensor[outputIds.Length];
    }

    // Argument arrays reused by every run so steady-state inference allocates nothing.
    internal Tensor?[] InputScratch { get; }
    internal Tensor[] OutputScratch { get; }

    /// <summary>Position in the plan's run order.</summary>
    public int Index { get; }
    public Operator Operator { get; }
    public string Name => Operator.Node.Name;
    public string OpType => Operator.Node.OpType;
    /// <summary>Value ids of the inputs; -1 for an omitted optional input.</summary>
    public int[] InputIds { get; }
    public int[] OutputIds { get; }

    public override string ToString() => Operator.Node.ToString();
}
