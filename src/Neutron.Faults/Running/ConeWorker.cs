// One worker of the accelerated runner (DESIGN §5): a private model copy and session like Worker, but per image
// chunk only the nodes a fault can change run; every other value points at the golden cache. A node runs when it
// is the faulted node (activation fault: the producer of the tensor; weight fault: each consumer of the weight) or
// when one of its inputs differs bit-wise from golden; a node whose output comes out bit-equal to golden stops the
// fault there (early masking). Results are bit-identical to Worker (the `--plain` oracle), which the tests check.
using System.Runtime.InteropServices;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class ConeWorker : IFaultWorker
{
    private readonly Model model;
    private readonly InferenceSession session;
    private readonly InjectionObserver observer;
    private readonly StoredWeights weights;
    private readonly GoldenCache golden;
    private readonly (Tensor Input, int Start, int Count)[] chunks;
    private readonly string inputName;
    // Per plan: the plan's own output buffers (the worker writes only these) and a scratch "differs" flag per value.
    private readonly Dictionary<ExecutionPlan, (Tensor?[] Own, bool[] Differs)> planState = [];

    public ConeWorker(Model original, StoredWeights weights, InjectionObserver observer, GoldenCache golden,
        IReadOnlyList<(int Start, Tensor Images)> chunkInputs)
    {
        this.weights = weights;
        this.observer = observer;
        this.golden = golden;
        model = weights.CopyModel(original);
        session = new InferenceSession(model);
        inputName = model.RequiredInputs.Single().Name;
        chunks = new (Tensor, int, int)[chunkInputs.Count];
        for (int c = 0; c < chunks.Length; c++)
            chunks[c] = (chunkInputs[c].Images, chunkInputs[c].Start, chunkInputs[c].Images.Shape[0]);
    }

    public void Run(Fault? fault, Action<int, ReadOnlySpan<float>> onRow)
    {
        weights.Inject(model, fault);
        observer.SetFault(fault is { Target: FaultTarget.Activation } ? fault : null);
        try
        {
            for (int c = 0; c < chunks.Length; c++)
            {
                var (input, start, count) = chunks[c];
                var plan = session.Bind(new Dictionary<string, Tensor>(1) { [inputName] = input }, keepAll: true);
                var logits = fault is null ? golden.Chunk(c)[plan.OutputIds[0]]! : RunCone(plan, golden.Chunk(c), fault);
                var all = logits.Floats;
                int classes = all.Length / count;
                for (int n = 0; n < count; n++) onRow(start + n, all.Slice(n * classes, classes));
            }
        }
        finally
        {
            weights.Restore(model, fault);
            observer.SetFault(null);
        }
    }

    // Runs the nodes the fault reaches over one chunk; returns the logits (the worker's buffer or golden's).
    private Tensor RunCone(ExecutionPlan plan, Tensor?[] gold, Fault fault)
    {
        if (!planState.TryGetValue(plan, out var state))
            planState[plan] = state = ((Tensor?[])plan.Values.Clone(), new bool[plan.Values.Length]);
        var (own, differs) = state;
        var values = plan.Values;
        var producers = plan.Producers;
        Array.Clear(differs);
        // Every node output starts at golden; a node that runs writes its own buffer instead.
        for (int id = 0; id < values.Length; id++)
            if (producers[id] >= 0) values[id] = gold[id];

        int first;
        int forced = -1;
        if (fault.Target == FaultTarget.Weight)
        {
            int wid = plan.Id(fault.Tensor);
            differs[wid] = true;
            first = plan.Nodes.Length;
            foreach (var node in plan.Nodes)
                if (Array.IndexOf(node.InputIds, wid) >= 0) { first = node.Index; break; }
        }
        else
        {
            forced = producers[plan.Id(fault.Tensor)];
            first = forced;
        }

        observer.Bind(plan);
        var watcher = observer.Active ? observer : null;
        var nodes = plan.Nodes;
        for (int k = Math.Max(first, 0); k < nodes.Length; k++)
        {
            var node = nodes[k];
            bool run = k == forced;
            if (!run)
                foreach (int id in node.InputIds)
                    if (id >= 0 && differs[id]) { run = true; break; }
            if (!run) continue;
            foreach (int id in node.OutputIds) values[id] = own[id];
            plan.RunNode(node, watcher);
            foreach (int id in node.OutputIds)
            {
                if (BitEqual(own[id]!, gold[id]!)) values[id] = gold[id];
                else differs[id] = true;
            }
        }
        return values[plan.OutputIds[0]]!;
    }

    private static bool BitEqual(Tensor a, Tensor b)
    {
        if (a.IsFloating != b.IsFloating) return false;
        return a.IsFloating
            ? MemoryMarshal.Cast<float, int>(a.Floats).SequenceEqual(MemoryMarshal.Cast<float, int>(b.Floats))
            : a.Longs.SequenceEqual(b.Longs);
    }
}
