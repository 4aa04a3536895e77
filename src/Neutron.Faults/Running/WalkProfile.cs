// Where the accelerated runner's cone walk spends its time, node by node: for `neutron bench campaign --breakdown`.
// Off unless switched on (one flag read per node the walk visits). Per node of the plan: the images the walk carried
// into it, summed over faults and chunks (every image of the chunk for the nodes that read a faulty weight), and the
// thread time from the node's start to the next node's, which includes the bounds tried on the node's output and the
// element-wise tail (BatchNormalization, Relu) that runs inside the node's box path, so a tail node shows little.
using System.Diagnostics;
using Neutron.Engine.Execution;

namespace Neutron.Faults.Running;

internal sealed class WalkProfile
{
    private long[] images = [];
    private long[] ticks = [];
    private volatile string[] names = [];
    private string[] opTypes = [];
    private readonly Lock gate = new();

    /// <summary>Whether the walk records; switch on only for a measuring pass.</summary>
    public bool Enabled { get; set; }

    /// <summary>Adds one visit of node k of the plan: images carried in, and the time since start (Stopwatch ticks).</summary>
    public void Add(ExecutionPlan plan, int k, int carried, long start)
    {
        long elapsed = Stopwatch.GetTimestamp() - start;
        if (names.Length != plan.Nodes.Length) Bind(plan);
        Interlocked.Add(ref images[k], carried);
        Interlocked.Add(ref ticks[k], elapsed);
    }

    private void Bind(ExecutionPlan plan)
    {
        lock (gate)
        {
            if (names.Length == plan.Nodes.Length) return;
            images = new long[plan.Nodes.Length];
            ticks = new long[plan.Nodes.Length];
            opTypes = [.. plan.Nodes.Select(n => n.OpType)];
            names = [.. plan.Nodes.Select(n => n.Name)]; // the ONNX reader names the nodes a file leaves unnamed
        }
    }

    /// <summary>The nodes the walk carried images into, in plan order (a tail node it passed with none is left out:
    /// the node before it ran it).</summary>
    public IReadOnlyList<(string Node, string OpType, long Images, double Seconds)> Rows() =>
        [.. Enumerable.Range(0, names.Length)
            .Where(k => images[k] > 0)
            .Select(k => (names[k], opTypes[k], images[k], ticks[k] / (double)Stopwatch.Frequency))];
}
