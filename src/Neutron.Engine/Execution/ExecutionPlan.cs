// A graph scheduled for fixed input shapes: topological order, every value's type and shape, constants folded,
// and buffers shared between values whose lifetimes do not overlap (kept values get their own).
// A plan is not thread-safe: one Run at a time. The session builds one per input shape set.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

public sealed class ExecutionPlan
{
    private readonly Dictionary<string, int> ids;
    private readonly Tensor?[] inputBuffers;

    internal ExecutionPlan(string[] names, Tensor?[] values, Operators.TensorType[] types, PlannedNode[] nodes,
        int[] inputIds, int[] outputIds, int[] producers)
    {
        Names = names;
        Values = values;
        Types = types;
        Nodes = nodes;
        InputIds = inputIds;
        OutputIds = outputIds;
        Producers = producers;
        ids = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) ids[names[i]] = i;
        inputBuffers = new Tensor?[inputIds.Length];
    }

    /// <summary>Value names by id.</summary>
    public string[] Names { get; }
    /// <summary>Current tensor of every value (constants, inputs, and node outputs over shared buffers).</summary>
    public Tensor?[] Values { get; }
    public Operators.TensorType[] Types { get; }
    /// <summary>Nodes in run order; constant-folded nodes are not here.</summary>
    public PlannedNode[] Nodes { get; }
    public int[] InputIds { get; }
    public int[] OutputIds { get; }
    /// <summary>Index in Nodes of the node producing each value, -1 for inputs and constants.</summary>
    public int[] Producers { get; }

    public bool TryGetId(string name, out int id) => ids.TryGetValue(name, out id);

    public int Id(string name) => ids.TryGetValue(name, out int id) ? id
        : throw new KeyNotFoundException($"no value named '{name}' in the graph");

    /// <summary>The current tensor of a value; valid until its buffer is reused (kept values: until the next run).</summary>
    public Tensor Get(string name) => Values[Id(name)] ?? throw new InvalidOperationException($"value '{name}' has no tensor");

    /// <summary>Points graph input i at a tensor (checked by the session) for the next runs.</summary>
    internal void SetInput(int i, Tensor tensor)
    {
        inputBuffers[i] = tensor;
        Values[InputIds[i]] = tensor;
    }

    /// <summary>Runs nodes [from, to) in order, reading whatever the values hold (the caller may preset any).</summary>
    public void Run(IOutputObserver? observer = null, int from = 0, int to = -1)
    {
        if (to < 0) to = Nodes.Length;
        for (int k = from; k < to; k++) RunNode(Nodes[k], observer);
    }

    public void RunNode(PlannedNode node, IOutputObserver? observer = null)
    {
        var inputs = node.InputScratch;
        for (int i = 0; i < inputs.Length; i++) inputs[i] = node.InputIds[i] >= 0 ? Values[node.InputIds[i]] : null;
        var outputs = node.OutputScratch;
        for (int i = 0; i < outputs.Length; i++) outputs[i] = Values[node.OutputIds[i]]!;
        node.Operator.Run(inputs, outputs);
        if (observer is null) return;
        for (int i = 0; i < outputs.Length; i++) observer.OnOutput(node, i, outputs[i]);
    }
}
