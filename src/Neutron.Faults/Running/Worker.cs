// One worker of the plain runner: a private model copy (weight-site tensors only; the rest is shared read-only),
// its own session and observer. Runs every image chunk through the full network for one fault (the `--plain`
// oracle of DESIGN §5) and reads top-1 per image.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class Worker : IFaultWorker
{
    private readonly Model model;
    private readonly InferenceSession session;
    private readonly InjectionObserver observer;
    private readonly StoredWeights weights;
    private readonly (ExecutionPlan Plan, Tensor Input, int Start, int Count)[] chunks;
    private readonly string inputName;

    public Worker(Model original, StoredWeights weights, InjectionObserver observer, IReadOnlyList<(int Start, Tensor Images)> chunkInputs)
    {
        this.weights = weights;
        this.observer = observer;
        model = weights.CopyModel(original);
        session = new InferenceSession(model);
        inputName = model.RequiredInputs.Single().Name;
        chunks = new (ExecutionPlan, Tensor, int, int)[chunkInputs.Count];
        for (int c = 0; c < chunks.Length; c++)
            chunks[c] = (null!, chunkInputs[c].Images, chunkInputs[c].Start, chunkInputs[c].Images.Shape[0]);
    }

    /// <summary>Runs all images with the fault (or none) and calls onRow(image, logits row) for each image.</summary>
    public void Run(Fault? fault, Action<int, ReadOnlySpan<float>> onRow, Action<int, int>? onGolden = null)
    {
        weights.Inject(model, fault);
        observer.SetFault(fault is { Target: FaultTarget.Activation } ? fault : null);
        try
        {
            for (int c = 0; c < chunks.Length; c++)
            {
                var (_, input, start, count) = chunks[c];
                var plan = session.Bind(new Dictionary<string, Tensor>(1) { [inputName] = input });
                observer.Bind(plan);
                plan.Run(observer.Active ? observer : null);
                var logits = plan.Values[plan.OutputIds[0]]!;
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
}
