// The fault runner: accelerated (ConeWorker over a GoldenCache, DESIGN §5) unless Options.Plain, else plain
// (Worker: for each fault, the full network over all evaluation images, the oracle). When the golden cache of
// every image exceeds Options.MemoryBudget, the images are split into groups whose cache fits, and each batch of
// faults runs group after group, the group's cache recomputed each time (one forward pass per group and batch).
// Faults validated before any runs; parallel over faults with one worker (model copy + session) per thread, so
// outcomes do not depend on the thread count. Results go to a sink in plan-ordered batches; progress after each
// batch; cancellation between faults.
using System.Collections.Concurrent;
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Sites;
using Neutron.Engine.Data;

namespace Neutron.Faults.Running;

public sealed class FaultRunner
{
    private readonly Model model;
    private readonly Dictionary<string, TensorEncoding> activationEncodings = new(StringComparer.Ordinal);
    private readonly List<(int Start, Tensor Images)> chunkInputs = [];
    private readonly ConcurrentBag<IFaultWorker> idle = [];
    // Accelerated: the image chunks of each golden-cache group (null: plain), and the cache of the group in use.
    private readonly List<List<(int Start, Tensor Images)>>? groups;
    private GoldenCache? goldenCache;
    private int cachedGroup = -1;
    // Accelerated FP32 with Options.ProveUnchanged: what MarginBound needs from the model (null: prove nothing).
    private readonly LogitGains? gains;

    public FaultRunner(Model model, EvaluationSet data, RunnerOptions? options = null)
    {
        this.model = model;
        Data = data;
        Options = options ?? new RunnerOptions();
        if (Options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.Threads, "Threads must be ≥ 1");
        if (Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "BatchSize must be ≥ 1");
        if (Options.ImageChunk < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.ImageChunk, "ImageChunk must be ≥ 1");
        if (Options.ConeChunk < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.ConeChunk, "ConeChunk must be ≥ 1");
        if (Options.WalkImages < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.WalkImages, "WalkImages must be ≥ 1");
        var format = Options.Format;
        var datapath = Options.Datapath;
        var session = new InferenceSession(model);
        if (model.RequiredInputs.Count() != 1)
            throw new ArgumentException($"the fault runner serves single-input classifiers; the model has {model.RequiredInputs.Count()} inputs", nameof(model));
        Sites = SiteCatalog.Discover(session, format, datapath);
        Weights = new StoredWeights(model, Sites.Weights, format);

        for (int start = 0; start < data.Count; start += Options.ImageChunk)
            chunkInputs.Add((start, data.Slice(start, Math.Min(Options.ImageChunk, data.Count - start))));

        foreach (var site in Sites.Activations) activationEncodings[site.Tensor] = new TensorEncoding(datapath);
        if (datapath is Int8Format)
            CalibrateInt8();

        // Decided once, before any parallel run: accelerated when the model's values keep the image axis first
        // and one chunk's cache fits the budget.
        if (Options.Plain) PlainReason = "--plain";
        else if (!RowSeparable(session)) PlainReason = "the model mixes images across the batch";
        else
        {
            var coneChunks = ConeChunks(data, Options);
            groups = CacheGroups(model, coneChunks, Options.MemoryBudget);
            if (groups is null)
                PlainReason = $"the golden cache of one chunk of {coneChunks[0].Images.Shape[0]} images needs "
                    + $"{GoldenCache.EstimateBytes(model, [coneChunks[0]]) / (1 << 20):N0} MiB, over the memory budget";
            // Quantised activations jump by whole steps, which no rounding bound covers: proofs need an FP32
            // datapath. The weights' format does not matter: the bounds read the stored weights as decoded.
            if (Options.ProveUnchanged && datapath.IsIdentity) gains = BuildGains(data);
        }
        var top1 = new int[data.Count];
        var finite = new bool[data.Count];
        int correct = 0, nonFinite = 0;
        var plain = new Worker(model, Weights, new InjectionObserver(activationEncodings, !datapath.IsIdentity), chunkInputs);
        plain.Run(null, (n, row) =>
        {
            top1[n] = TopK.ArgMax(row);
            if (top1[n] == data.Labels[n]) correct++;
            if (TopK.AnyNonFinite(row)) nonFinite++;
            else finite[n] = true;
        });
        if (groups is null) idle.Add(plain);
        else UseGroup(0);
        Golden = new GoldenRun(top1, data.Labels[..data.Count], correct, nonFinite) { Finite = finite };
    }

    public RunnerOptions Options { get; }
    public EvaluationSet Data { get; }
    public SiteCatalog Sites { get; }
    public StoredWeights Weights { get; }
    public GoldenRun Golden { get; }

    /// <summary>How an activation site's values are stored in the datapath (what its bit flips change).</summary>
    public TensorEncoding ActivationEncoding(string tensor) => activationEncodings[tensor];


    /// <summary>Runs one fault (validated) and returns its outcome.</summary>
    public FaultOutcome Run(Fault fault, long index = 0)
    {
        Sites.Validate(fault);
        var sink = new ListSink();
        Run([new PlannedFault(index, fault)], sink);
        return sink.Outcomes[0];
    }

    /// <summary>Runs the faults, writing outcomes to the sink in batches of Options.BatchSize, in the given order.</summary>
    public void Run(IReadOnlyList<PlannedFault> faults, IOutcomeSink sink, IProgress<RunProgress>? progress = null, CancellationToken cancel = default)
    {
        foreach (var f in faults) Sites.Validate(f.Fault);
        if ((groups?.Count ?? 1) == 1)
        {
            RunStreaming(faults, sink, progress, cancel);
            return;
        }
        var clock = Stopwatch.StartNew();
        long sdcFaults = 0, sdcImages = 0, images = 0;
        for (int first = 0; first < faults.Count; first += Options.BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(Options.BatchSize, faults.Count - first);
            var tallies = new OutcomeTally?[count];
            int groupCount = groups?.Count ?? 1;
            // The group in use stays first, so a single group (or the last one of the previous batch) is not recomputed.
            for (int step = 0; step < groupCount; step++)
            {
                int group = (Math.Max(cachedGroup, 0) + step) % groupCount;
                if (groups is not null) UseGroup(group);
                try
                {
                    var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Threads, CancellationToken = cancel };
                    Parallel.For(0, count, parallel, Rent, (i, _, worker) =>
                    {
                        if (cancel.IsCancellationRequested) return worker;
                        var tally = tallies[i] ??= new OutcomeTally(Golden, Data.Labels);
                        Count(worker, faults[first + i].Fault, tally);
                        tally.GroupsDone++;
                        return worker;
                    }, idle.Add);
                }
                catch (OperationCanceledException)
                {
                    // Keep what finished: the store's writes are idempotent by fault index, so resume skips these.
                    WriteFinished(faults, first, tallies, groupCount, sink);
                    throw;
                }
            }
            if (tallies.Any(t => t is null || t.GroupsDone < groupCount))
            {
                WriteFinished(faults, first, tallies, groupCount, sink);
                cancel.ThrowIfCancellationRequested();
            }
            var batch = tallies.Select((t, i) => t!.Outcome(faults[first + i].Index, Data.Count)).ToArray();
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

    // One cache (or plain): the workers pull faults one by one across batch boundaries, so a slow fault never leaves
    // a thread idle at the end of a batch; batches are still written whole and in order, as each completes.
    private void RunStreaming(IReadOnlyList<PlannedFault> faults, IOutcomeSink sink, IProgress<RunProgress>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        int size = Options.BatchSize, batches = (faults.Count + size - 1) / size;
        var outcomes = new FaultOutcome?[faults.Count];
        var running = new int[batches];
        for (int b = 0; b < batches; b++) running[b] = Math.Min(size, faults.Count - b * size);
        int written = 0;
        long sdcFaults = 0, sdcImages = 0, images = 0;
        var gate = new object();
        void WriteCompleted()
        {
            while (written < batches && Volatile.Read(ref running[written]) == 0)
            {
                int first = written * size, count = Math.Min(size, faults.Count - first);
                var batch = new FaultOutcome[count];
                for (int i = 0; i < count; i++)
                {
                    batch[i] = outcomes[first + i]!;
                    outcomes[first + i] = null;
                    if (batch[i].Sdc > 0) sdcFaults++;
                    sdcImages += batch[i].Sdc;
                    images += batch[i].Images;
                }
                sink.Write(batch);
                written++;
                progress?.Report(new RunProgress(first + count, faults.Count, sdcFaults, sdcImages, images, clock.Elapsed));
            }
        }
        try
        {
            // One loop per thread, each taking the next fault in plan order (Parallel.For over the faults would hand
            // each thread its own far-apart range, and batches would wait in memory for the first range to catch up).
            int next = -1;
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.Threads, CancellationToken = cancel };
            Parallel.For(0, Math.Min(Options.Threads, faults.Count), parallel, _ =>
            {
                var worker = Rent();
                try
                {
                    for (int i = Interlocked.Increment(ref next); i < faults.Count && !cancel.IsCancellationRequested; i = Interlocked.Increment(ref next))
                    {
                        var tally = new OutcomeTally(Golden, Data.Labels);
                        Count(worker, faults[i].Fault, tally);
                        outcomes[i] = tally.Outcome(faults[i].Index, Data.Count);
                        if (Interlocked.Decrement(ref running[i / size]) == 0)
                            lock (gate) WriteCompleted();
                    }
                }
                finally { idle.Add(worker); }
            });
            cancel.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException)
        {
            // Keep what finished: the store's writes are idempotent by fault index, so resume skips these.
            lock (gate)
            {
                var done = outcomes.Where(o => o is not null).Select(o => o!).ToList();
                if (done.Count > 0) sink.Write(done);
            }
            throw;
        }
    }

    // One fault's images into its tally (outcomes only). Parallel over faults: each worker's operators stay on its
    // own thread.
    private static void Count(IFaultWorker worker, Fault fault, OutcomeTally tally)
    {
        using (Parallelism.LimitThisThread(1)) worker.Run(fault, tally.Add, tally.AddGolden);
    }

    private void WriteFinished(IReadOnlyList<PlannedFault> faults, int first, OutcomeTally?[] tallies, int groupCount, IOutcomeSink sink)
    {
        var done = tallies.Select((t, i) => t is not null && t.GroupsDone == groupCount ? t.Outcome(faults[first + i].Index, Data.Count) : null)
            .Where(o => o is not null).Select(o => o!).ToList();
        if (done.Count > 0) sink.Write(done);
    }

    /// <summary>Runs all images with the fault (null: golden) and hands each image's logits row to onRow.</summary>
    public void Observe(Fault? fault, Action<int, ReadOnlySpan<float>> onRow)
    {
        if (fault is not null) Sites.Validate(fault);
        for (int group = 0; group < (groups?.Count ?? 1); group++)
        {
            if (groups is not null) UseGroup(group);
            var worker = Rent();
            try { worker.Run(fault, (n, row) => onRow(n, row)); }
            finally { idle.Add(worker); }
        }
    }

    private IFaultWorker Rent()
    {
        if (!idle.TryTake(out var worker)) return NewWorker();
        if (worker is ConeWorker cone) cone.Use(goldenCache!);
        return worker;
    }

    /// <summary>Tests: called when a group's cache is about to be built (the previous one let go of).</summary>
    internal Action? BeforeCacheBuilt { get; set; }

    /// <summary>The accelerated walk's time per node, shared by every worker; off until switched on.</summary>
    internal WalkProfile WalkProfile { get; } = new();

    /// <summary>Tests: the golden cache in use (null on the plain path).</summary>
    internal GoldenCache? CurrentCache => goldenCache;

    /// <summary>True when faults run on the accelerated path (cone re-execution over the golden cache).</summary>
    public bool Accelerated => groups is not null;

    /// <summary>Why faults run on the plain path (null when accelerated).</summary>
    public string? PlainReason { get; }

    /// <summary>Image groups whose golden caches are computed in turn (1: one cache, computed once; 0: plain).</summary>
    public int CacheGroupCount => groups?.Count ?? 0;

    private IFaultWorker NewWorker()
    {
        bool quantize = !Options.Datapath.IsIdentity;
        var observer = new InjectionObserver(activationEncodings, quantize);
        return goldenCache is null
            ? new Worker(model, Weights, observer, chunkInputs)
            : new ConeWorker(model, Weights, observer, goldenCache, activationEncodings, quantize, Options.WalkImages) { ProofObserver = Options.ProofObserver, Profile = WalkProfile };
    }

    // The logit gains of the model with its stored weights, from a plan over one image (gains are per image).
    private LogitGains? BuildGains(EvaluationSet data)
    {
        var copy = new InferenceSession(Weights.CopyModel(model));
        var plan = copy.Bind(new Dictionary<string, Tensor>(1) { [model.RequiredInputs.Single().Name] = data.Slice(0, 1) }, keepAll: true);
        return LogitGains.TryBuild(plan, out _);
    }

    // Makes group g's golden cache the current one (computing it unless it already is); workers rebind lazily.
    private void UseGroup(int g)
    {
        if (cachedGroup == g) return;
        // The previous group's cache goes before the next one is built: the idle workers let go of it, and a full
        // collection returns its memory, so the process holds one group's cache at a time (what the budget is for),
        // not several awaiting a collection.
        goldenCache = null;
        foreach (var worker in idle)
            if (worker is ConeWorker cone) cone.Release();
        if (cachedGroup >= 0) GC.Collect();
        BeforeCacheBuilt?.Invoke();
        goldenCache = new GoldenCache(model, Weights, new InjectionObserver(activationEncodings, !Options.Datapath.IsIdentity), groups![g], gains);
        cachedGroup = g;
    }

    // The accelerated path's image chunks (Options.ConeChunk, else Options.ImageChunk). Results do not depend on the
    // chunking, since every node's row for an image depends on that image alone.
    private static List<(int Start, Tensor Images)> ConeChunks(EvaluationSet data, RunnerOptions options)
    {
        int size = options.ConeChunk ?? options.ImageChunk;
        var chunks = new List<(int Start, Tensor Images)>();
        for (int start = 0; start < data.Count; start += size)
            chunks.Add((start, data.Slice(start, Math.Min(size, data.Count - start))));
        return chunks;
    }

    // Consecutive chunks whose caches together stay within the budget; null when one chunk alone exceeds it.
    private static List<List<(int Start, Tensor Images)>>? CacheGroups(Model model, List<(int Start, Tensor Images)> chunks, long budget)
    {
        var result = new List<List<(int Start, Tensor Images)>>();
        var current = new List<(int Start, Tensor Images)>();
        long used = 0;
        foreach (var chunk in chunks)
        {
            long bytes = GoldenCache.EstimateBytes(model, [chunk]);
            if (bytes > budget) return null;
            if (used + bytes > budget)
            {
                result.Add(current);
                current = [];
                used = 0;
            }
            current.Add(chunk);
            used += bytes;
        }
        result.Add(current);
        return result;
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
    // model with its stored weights but float activations (one calibration pass before the golden run).
    private void CalibrateInt8()
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
