// The golden cache of the accelerated path (DESIGN §5): every node output of the fault-free run, per image chunk,
// computed once on a private model copy holding the stored (decoded) weights, activations fake-quantised as the
// plain path does. Read-only after construction and shared by every ConeWorker; its twin, recomputing everything
// per fault, is Worker.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class GoldenCache
{
    private readonly Tensor?[][] values;

    public GoldenCache(Model original, StoredWeights weights, InjectionObserver observer, IReadOnlyList<(int Start, Tensor Images)> chunkInputs,
        LogitGains? gains = null)
    {
        Chunks = chunkInputs;
        var model = weights.CopyModel(original);
        string inputName = model.RequiredInputs.Single().Name;
        values = new Tensor?[chunkInputs.Count][];
        Bounds = new MarginBound?[chunkInputs.Count];
        for (int c = 0; c < chunkInputs.Count; c++)
        {
            // A session per chunk: a plan belongs to its session's cache, and each chunk's values must survive.
            var session = new InferenceSession(model);
            var plan = session.Bind(new Dictionary<string, Tensor>(1) { [inputName] = chunkInputs[c].Images }, keepAll: true);
            observer.SetFault(null);
            observer.Bind(plan);
            plan.Run(observer.Active ? observer : null);
            values[c] = (Tensor?[])plan.Values.Clone();
            Names = plan.Names;
            if (gains is not null) Bounds[c] = new MarginBound(gains, Names, values[c], chunkInputs[c].Images.Shape[0]);
        }
    }

    /// <summary>The image chunks cached (start index in the evaluation set, images).</summary>
    public IReadOnlyList<(int Start, Tensor Images)> Chunks { get; }

    /// <summary>Per chunk, the bounds that prove images unchanged (null: none; see RunnerOptions.ProveUnchanged).</summary>
    public MarginBound?[] Bounds { get; }

    /// <summary>Value names by id (the same in every chunk).</summary>
    public string[] Names { get; private set; } = [];

    /// <summary>Every value of chunk c by value id (node outputs golden; inputs and constants as bound).</summary>
    public Tensor?[] Chunk(int c) => values[c];

    /// <summary>Bytes the cache needs for these chunks: every node output of a keep-all plan, per chunk.</summary>
    public static long EstimateBytes(Model model, IReadOnlyList<(int Start, Tensor Images)> chunkInputs)
    {
        var session = new InferenceSession(model);
        string inputName = model.RequiredInputs.Single().Name;
        long total = 0;
        foreach (var (_, images) in chunkInputs)
        {
            var plan = session.GetPlan(new Dictionary<string, (DataType, int[])>(1) { [inputName] = (images.Type, images.Shape) });
            for (int id = 0; id < plan.Values.Length; id++)
                if (plan.Producers[id] >= 0) total += (plan.Types[id].Type.IsFloating() ? 4L : 8L) * ShapeUtil.Size(plan.Types[id].Shape);
        }
        return total;
    }
}
