// The fault runner: accelerated (ConeWorker over a GoldenCache, DESIGN §5) unless Options.Plain or the cache
// exceeds Options.MemoryBudget, else plain (Worker: for each fault, the full network over all evaluation images,
// the oracle). Golden run once at construction; faults validated before any runs; parallel over faults with
// one worker (model copy + session) per thread, so outcomes do not depend on the thread count. Results go to a
// sink in plan-ordered batches; progress after each batch; cancellation between faults.
using System.Collections.Concurrent;
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Running;

public sealed class FaultRunner
{
    private readonly Model model;
    private readonly Dictionary<string, TensorEncoding> activationEncodings = new(StringComparer.Ordinal);
    private readonly List<(int Start, Tensor Images)> chunkInputs = [];
    private readonly ConcurrentBag<IFaultWorker> idle = [];
    private GoldenCache? goldenCache;

    public FaultRunner(Model model, EvaluationSet data, RunnerOptions? options = null)
    {
        this.model = model;
        Data = data;
        Options = options ?? new RunnerOptions();
        if (Options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.Threads, "Threads must be ≥ 1");
        if (Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "BatchSize must be ≥ 1");
        if (Options.ImageChunk < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.ImageChunk, "ImageChunk must be ≥ 1");
        var format = Options.Format;
        var session = new InferenceSession(model);
        if (model.RequiredInputs.Count() != 1)
            throw new ArgumentException($"the fault runner serves single-input classifiers; the model has {model.RequiredInputs.Count()} inputs", nameof(model));
        Sites = SiteCatalog.Discover(session, format);
        Weights = new StoredWeights(model, Sites.Weights, format);

        for (int start = 0; start < data.Count; start += Options.ImageChunk)
            chunkInputs.Add((start, data.Slice(start, Math.Min(Options.ImageChunk, data.Count - start))));

        foreach (var site in Sites.Activations) activationEncodings[site.Tensor] = new TensorEncoding(format);
        if (format is Int8Format)
            CalibrateInt8(session);

        // Decided once, before any parallel run: the accelerated path when its golden cache fits the budget.
        if (!Options.Plain && RowSeparable(session) && GoldenCache.EstimateBytes(model, chunkInputs) <= Options.MemoryBudget)
            goldenCache = new GoldenCache(model, Weights, new InjectionObserver(activationEncodings, !format.IsIdentity), chunkInputs);
        var worker = NewWorker();
        var top1 = new int[data.Count];
        int correct = 0, nonFinite = 0;
        worker.Run(null, (n, row) =>
        {
            top1[n] = TopOne.ArgMax(row);
            if (top1[n] == data.Labels[n]) correct++;
            if (TopOne.AnyNonFinite(row)) nonFinite++;
        });
        idle.Add(worker);
        Golden = new GoldenRun(top1, data.Labels[..data.Count], correct, nonFinite);
    }

    public RunnerOptions Options { get; }
    public EvaluationSet Data { get; }
    public SiteCatalog Sites { get; }
    public StoredWeights Weights { get; }
    public GoldenRun Golden { get; }

    /// <summary>The encoding of an activation site (per tensor; int8 calibrated on the evaluation images).</summary>
    public TensorEncoding ActivationEncoding(string tensor) => activationEncodings[tensor];

    /// <summary>Checks every fault against the model's sites; the first misfit throws a FaultException.</summary>
    public void Validate(IEnumerable<Fault> faults)
    {
        foreach (var f in faults) Sites.Validate(f);
    }

    /// <summary>Runs one fault (validated) and returns its outcome.</summary>
    public FaultOutcome Run(Fault fault, long index = 0)
    {
        Sites.Validate(fault);
        var worker = Rent();
        try { return Measure(worker, new PlannedFault(index, fault)); }
        finally { idle.Add(worker); }
    }

    /// <summary>Runs the faults, writing outcomes to the sink in batches of Options.BatchSize, in the given order.</summary>
    public void Run(IReadOnlyList<PlannedFault> faults, IOutcomeSink sink, IProgress<RunProgress>? progress = null, CancellationToken cancel = default)
    {
        foreach (var f in faults) Sites.Validate(f.Fault);
        var clock = Stopwatch.StartNew();
        long sdcFaults = 0, sdcImages = 0, images = 0;
        for (int first = 0; first < faults.Count; first += Options.BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(Options.BatchSize, faults.Count - first);
            var results = new FaultOutcome?[count];
            try
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Threads, CancellationToken = cancel };
                Parallel.For(0, count, parallel, Rent, (i, _, worker) =>
                {
                    if (cancel.IsCancellationRequested) return worker;
                    results[i] = Measure(worker, faults[first + i]);
                    return worker;
                }, idle.Add);
            }
            catch (OperationCanceledException)
            {
                // Keep what finished: the store's writes are idempotent by fault index, so resume skips these.
                var done = results.Where(r => r is not null).Select(r => r!).ToList();
                if (done.Count > 0) sink.Write(done);
                throw;
            }
            if (results.Any(r => r is null))
            {
                var done = results.Where(r => r is not null).Select(r => r!).ToList();
                if (done.Count > 0) sink.Write(done);
                cancel.ThrowIfCancellationRequested();
            }
            var batch = results.Select(r => r!).ToArray();
            sink.Write(batch);
            foreach (var r in batch)
            {
                if (r.Sdc > 0) sdcFaults++;
                sdcImages += r.Sdc;
                images += r.Images;
            }
            progress?.Report(new RunProgress(first + count, faults.Count, sdcFaults, sdcImages, images, clock.Elapsed));
        }
    }

    /// <summary>Runs all images with the fault (null: golden) and hands each image's logits row to onRow.</summary>
    public void Observe(Fault? fault, Action<int, ReadOnlySpan<float>> onRow)
    {
        if (fault is not null) Sites.Validate(fault);
        var worker = Rent();
        try { worker.Run(fault, (n, row) => onRow(n, row)); }
        finally { idle.Add(worker); }
    }

    private FaultOutcome Measure(IFaultWorker worker, PlannedFault planned)
    {
        var golden = Golden.Top1;
        var labels = Data.Labels;
        int correct = 0, sdc = 0, nonFinite = 0;
        List<ImageTop1>? changed = null;
        worker.Run(planned.Fault, (n, row) =>
        {
            int top = TopOne.ArgMax(row);
            if (top == labels[n]) correct++;
            if (TopOne.AnyNonFinite(row)) nonFinite++;
            if (top != golden[n])
            {
                sdc++;
                (changed ??= []).Add(new ImageTop1(n, top));
            }
        });
        return new FaultOutcome(planned.Index, Data.Count, Golden.Correct, correct, sdc, nonFinite, changed?.ToArray() ?? []);
    }

    private IFaultWorker Rent() => idle.TryTake(out var w) ? w : NewWorker();

    /// <summary>True when faults run on the accelerated path (cone re-execution over the golden cache).</summary>
    public bool Accelerated => goldenCache is not null;

    private IFaultWorker NewWorker()
    {
        bool quantize = !Options.Format.IsIdentity;
        var observer = new InjectionObserver(activationEncodings, quantize);
        return goldenCache is null
            ? new Worker(model, Weights, observer, chunkInputs)
            : new ConeWorker(model, Weights, observer, goldenCache, chunkInputs, activationEncodings, quantize);
    }

    // The accelerated path runs nodes on subsets of a chunk's images: every value computed from them must keep
    // the image axis first (true of classifiers; a model that mixes images runs plain).
    private bool RowSeparable(InferenceSession session)
    {
        string input = model.RequiredInputs.Single().Name;
        var images = chunkInputs[0].Images;
        var plan = session.GetPlan(new Dictionary<string, (DataType, int[])>(1) { [input] = (images.Type, images.Shape) });
        return RowPlans.RowSeparable(plan, images.Shape[0]);
    }

    // int8 activations: symmetric per-tensor scale from max |x| over the evaluation images, measured on the
    // model with int8 weights but float activations (one calibration pass before the golden run).
    private void CalibrateInt8(InferenceSession _)
    {
        var maxAbs = new Dictionary<string, float>(StringComparer.Ordinal);
        var recorder = new MaxAbsRecorder(maxAbs);
        var copy = Weights.CopyModel(model);
        var session = new InferenceSession(copy);
        string input = copy.RequiredInputs.Single().Name;
        foreach (var (_, images) in chunkInputs)
        {
            var plan = session.Bind(new Dictionary<string, Tensor> { [input] = images });
            recorder.Plan = plan;
            plan.Run(recorder);
        }
        foreach (var site in Sites.Activations)
            activationEncodings[site.Tensor] = new TensorEncoding(Int8Format.Symmetric(maxAbs.GetValueOrDefault(site.Tensor)));
    }

    private sealed class MaxAbsRecorder(Dictionary<string, float> maxAbs) : IOutputObserver
    {
        public ExecutionPlan? Plan { get; set; }

        public void OnOutput(PlannedNode node, int outputIndex, Tensor output)
        {
            if (!output.IsFloating) return;
            string name = Plan!.Names[node.OutputIds[outputIndex]];
            maxAbs[name] = Math.Max(maxAbs.GetValueOrDefault(name), Int8Format.MaxAbs(output.Floats));
        }
    }
}
