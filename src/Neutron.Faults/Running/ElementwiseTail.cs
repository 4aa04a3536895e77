// The element-wise nodes that follow a node of the cone walk one after the other (a Conv's BatchNormalization and
// Relu, a residual Add's Relu): each reads only the value the one before it writes, and nothing else reads that
// value. A box path runs them on the packed batch it just computed, before comparing with golden and writing the
// rows, so the values in between are never cut out, pasted back or compared (they were most of the box paths'
// cost). Each node is its own operator over the same elements, so each element gets the bits of running the nodes
// one by one. The values in between are never perturbed rows of the walk: the tail's nodes find nothing to run,
// and the bounds are tried on the tail's last value only.
using Neutron.Engine.Execution;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class ElementwiseTail
{
    public static readonly ElementwiseTail None = new([], []);

    private readonly PlannedNode[] nodes;
    private readonly Tensor?[] values;

    private ElementwiseTail(PlannedNode[] nodes, Tensor?[] values)
    {
        this.nodes = nodes;
        this.values = values;
    }

    public bool IsEmpty => nodes.Length == 0;

    /// <summary>The nodes in order, to cut the tail short (a weight fault's own nodes must run on their own).</summary>
    public IReadOnlyList<PlannedNode> Nodes => nodes;

    /// <summary>The value the tail leaves, or the head's own output when the tail is empty.</summary>
    public int Output(PlannedNode head) => nodes.Length == 0 ? head.OutputIds[0] : nodes[^1].OutputIds[0];

    /// <summary>The first `count` nodes only.</summary>
    public ElementwiseTail Take(int count) => count >= nodes.Length ? this : count == 0 ? None : new(nodes[..count], values);

    /// <summary>
    /// The tail after `head` in the plan: while the value written last has exactly one reader (consumers of each
    /// value, as the walk counts them), is not a graph output, and that reader is a Relu of it or a
    /// BatchNormalization of it with constant statistics, writing one value of the same shape.
    /// </summary>
    public static ElementwiseTail After(ExecutionPlan plan, PlannedNode head, bool[] batched, int[][] consumers)
    {
        var chain = new List<PlannedNode>();
        var node = head;
        while (node.OutputIds.Length == 1 && node.OutputIds[0] is var y && y >= 0 && batched[y]
               && Array.IndexOf(plan.OutputIds, y) < 0 && consumers[y].Length == 1)
        {
            var next = plan.Nodes[consumers[y][0]];
            bool sameShape = next.OutputIds.Length == 1 && next.OutputIds[0] >= 0
                && plan.Types[next.OutputIds[0]].Shape.AsSpan().SequenceEqual(plan.Types[y].Shape);
            bool reads = next.InputIds.Length > 0 && next.InputIds[0] == y && next.InputIds.Skip(1).All(id => id >= 0 && id != y && !batched[id]);
            bool kind = next.OpType == "Relu" ? next.InputIds.Length == 1 : next.OpType == "BatchNormalization";
            if (!sameShape || !reads || !kind || plan.Types[y].Shape.Length != 4) break;
            chain.Add(next);
            node = next;
        }
        return chain.Count == 0 ? None : new ElementwiseTail([.. chain], plan.Values);
    }

    /// <summary>Runs the tail in place over `data`, a batch of `shape` (each node's operator, input and output the
    /// same buffer: every one reads an element before writing it, and only that element).</summary>
    public void Run(float[] data, int[] shape)
    {
        if (nodes.Length == 0) return;
        var x = Tensor.FromFloats(data, shape);
        foreach (var node in nodes)
        {
            var inputs = new Tensor?[node.InputIds.Length];
            inputs[0] = x;
            for (int i = 1; i < inputs.Length; i++) inputs[i] = values[node.InputIds[i]];
            node.Operator.Run(inputs, [x]);
        }
    }
}
