// The plans a ConeWorker runs single nodes on: one per batch size (powers of two below the chunk, and the chunk),
// so a node re-runs on only the images a fault still perturbs, gathered into the smallest plan that holds them.
// Also the test that makes this legal: every value computed from the images keeps the image axis first, so a
// node's row for one image depends on that image's rows alone (what classifiers do; checked once per model).
using Neutron.Engine.Execution;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class RowPlans(InferenceSession session, string inputName, int[] imageShape, InjectionObserver observer)
{
    private readonly Dictionary<int, (ExecutionPlan Plan, Dictionary<PlannedNode, PlannedNode> Nodes)> plans = [];

    /// <summary>The smallest batch size of this family that holds n images of a chunk of chunkSize.</summary>
    public static int BatchFor(int n, int chunkSize)
    {
        int b = 1;
        while (b < n) b <<= 1;
        return Math.Min(b, chunkSize);
    }

    /// <summary>The plan for batch size b and the node in it that corresponds to a node of any other plan.</summary>
    public (ExecutionPlan Plan, PlannedNode Node) For(int b, PlannedNode node)
    {
        if (!plans.TryGetValue(b, out var entry))
        {
            var input = Tensor.Zeros(DataType.Float, [b, .. imageShape]);
            var shapes = new Dictionary<string, (DataType, int[])>(1) { [inputName] = (DataType.Float, input.Shape) };
            var probe = session.GetPlan(shapes);
            // Values computed once and read by later nodes without depending on the images keep their own buffers:
            // single-node runs would otherwise clobber them.
            var batched = Batched(probe);
            var keep = new List<string>();
            for (int id = 0; id < batched.Length; id++)
                if (!batched[id] && probe.Producers[id] >= 0) keep.Add(probe.Names[id]);
            var plan = session.Bind(new Dictionary<string, Tensor>(1) { [inputName] = input }, keep);
            observer.Bind(plan);
            // Only those image-independent values need computing here; the cone walk runs everything else.
            var fromImages = Batched(plan);
            foreach (var constantNode in plan.Nodes)
                if (!constantNode.InputIds.Any(id => id >= 0 && fromImages[id])) plan.RunNode(constantNode, observer.Active ? observer : null);
            var map = new Dictionary<PlannedNode, PlannedNode>();
            entry = (plan, map);
            plans[b] = entry;
        }
        if (!entry.Nodes.TryGetValue(node, out var mine))
        {
            mine = entry.Plan.Nodes.FirstOrDefault(n => ReferenceEquals(n.Operator, node.Operator))
                ?? throw new InvalidOperationException($"node {node} has no counterpart in the batch-{b} plan");
            entry.Nodes[node] = mine;
        }
        return (entry.Plan, mine);
    }

    /// <summary>
    /// Which values depend on the graph input (the images) and are read, by value id: outputs nothing consumes
    /// (MaxPool's indices, say) are never gathered or compared.
    /// </summary>
    public static bool[] Batched(ExecutionPlan plan)
    {
        var batched = new bool[plan.Values.Length];
        var read = new bool[plan.Values.Length];
        foreach (int id in plan.InputIds) batched[id] = true;
        foreach (int id in plan.OutputIds) read[id] = true;
        foreach (var node in plan.Nodes)
        {
            foreach (int id in node.InputIds) if (id >= 0) read[id] = true;
            if (node.InputIds.Any(id => id >= 0 && batched[id]))
                foreach (int id in node.OutputIds) if (id >= 0) batched[id] = true;
        }
        for (int id = 0; id < batched.Length; id++) batched[id] &= read[id];
        return batched;
    }

    /// <summary>
    /// True when every value computed from the images is a float tensor whose first axis is the image axis of
    /// the plan's batch size: the condition for running a node on a subset of a chunk's images.
    /// </summary>
    public static bool RowSeparable(ExecutionPlan plan, int batch)
    {
        var batched = Batched(plan);
        for (int id = 0; id < batched.Length; id++)
        {
            if (!batched[id]) continue;
            var t = plan.Types[id];
            if (!t.Type.IsFloating() || t.Shape.Length == 0 || t.Shape[0] != batch) return false;
        }
        return true;
    }
}
