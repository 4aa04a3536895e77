// `neutron bench campaign`: the plain runner (`--plain`, full re-run per fault) and the accelerated runner on the
// same uniformly drawn faults in one process, after an untimed warm-up of each on other faults (3 s at most), faults/s of each,
// their ratio (accelerated: median of FastPasses passes), and whether every outcome is identical. With breakdown, each
// fault again alone, timed by the tensor it hits, and the walk's time per node (WalkProfile) on that pass. With cpuTime the
// times are the process's CPU seconds instead of the wall clock: on a shared machine (with one thread) that still
// compares the work each runner does, where the wall clock mostly measures the other processes. Not a timed test: the tests run it only on a few faults to check the outcomes agree.
using System.Diagnostics;
using Neutron.Engine.Graph;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Running;

public sealed record CampaignBenchmarkResult(string Target, int Images, int Faults, int Threads, double PlainSeconds, double FastSeconds,
    bool Identical, bool Accelerated, int CacheGroups)
{
    /// <summary>Why the "accelerated" runner ran plain (null when it did not).</summary>
    public string? PlainReason { get; init; }

    /// <summary>With breakdown: per site tensor, faults and accelerated seconds, each fault run alone on one thread.</summary>
    public IReadOnlyList<(string Tensor, int Faults, double Seconds)> ByTensor { get; init; } = [];

    /// <summary>With breakdown, on the same pass: per node the cone walk visited, the images it carried into the
    /// node (summed over faults) and the seconds from the node's start to the next node's (WalkProfile).</summary>
    public IReadOnlyList<(string Node, string OpType, long Images, double Seconds)> ByNode { get; init; } = [];

    public double PlainFaultsPerSecond => Faults / PlainSeconds;
    public double FastFaultsPerSecond => Faults / FastSeconds;
    public double Speedup => PlainSeconds / FastSeconds;
}

public static class CampaignBenchmark
{
    private const double WarmUpSeconds = 3;
    /// <summary>Timed passes of the accelerated runner over the faults; the median counts.</summary>
    public const int FastPasses = 3;

    private static void WarmUp(FaultRunner runner, List<PlannedFault> faults, int threads)
    {
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < faults.Count && (first < 2 * threads || clock.Elapsed.TotalSeconds < WarmUpSeconds); first += 2 * threads)
            runner.Run(faults.GetRange(first, Math.Min(2 * threads, faults.Count - first)), new ListSink());
    }

    public static CampaignBenchmarkResult Run(Model model, EvaluationSet data, RunnerOptions options, FaultTarget target,
        FaultModelSpec faultModel, int faults, ulong seed, bool breakdown = false, bool cpuTime = false)
    {
        Func<double> now = cpuTime ? () => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds : () => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options with { Plain = false });
        var space = FaultSpace.Create(plain.Sites, target, model: faultModel);
        var planned = Enumerable.Range(0, faults)
            .Select(i => new PlannedFault(i, space.FaultAt((long)Random.CounterRng.Below(seed, (ulong)i, 0, (ulong)space.Size), seed)))
            .ToList();
        // Untimed warm-up of each runner on other faults of the same space (JIT tiers, worker models, plans per batch
        // size, row pools), until WarmUpSeconds pass or 1,000 faults per thread ran: the timed runs then measure the
        // steady state of a long campaign. The accelerated path needs about 2,000 LeNet-5 faults to reach it.
        var warmUp = Enumerable.Range(0, 1000 * options.Threads)
            .Select(i => new PlannedFault(i, space.FaultAt((long)Random.CounterRng.Below(seed + 1, (ulong)i, 0, (ulong)space.Size), seed + 1)))
            .ToList();
        WarmUp(plain, warmUp, options.Threads);
        WarmUp(fast, warmUp, options.Threads);
        var a = new ListSink();
        var b = new ListSink();
        double start = now();
        plain.Run(planned, a);
        double plainSeconds = now() - start;
        // The accelerated pass is short (a second or less), so one GC or a noisy neighbour moves it a lot: it runs
        // FastPasses times on the same faults and the median time counts (outcomes from the first pass).
        var passes = new double[FastPasses];
        for (int pass = 0; pass < FastPasses; pass++)
        {
            start = now();
            fast.Run(planned, pass == 0 ? b : new ListSink());
            passes[pass] = now() - start;
        }
        double fastSeconds = passes.Order().ElementAt(FastPasses / 2);
        bool identical = a.Outcomes.Count == b.Outcomes.Count && a.Outcomes.Zip(b.Outcomes).All(p =>
            p.First with { Changed = [] } == p.Second with { Changed = [] } && p.First.Changed.SequenceEqual(p.Second.Changed));
        var byTensor = new List<(string, int, double)>();
        if (breakdown)
        {
            // Where the accelerated time goes: every fault again, alone, timed, grouped by the tensor it hits.
            var sums = new Dictionary<string, (int Faults, double Seconds)>(StringComparer.Ordinal);
            fast.WalkProfile.Enabled = true;
            foreach (var f in planned)
            {
                start = now();
                fast.Run(f.Fault, f.Index);
                var (count, seconds) = sums.GetValueOrDefault(f.Fault.Tensor);
                sums[f.Fault.Tensor] = (count + 1, seconds + now() - start);
            }
            byTensor.AddRange(sums.OrderByDescending(p => p.Value.Seconds).Select(p => (p.Key, p.Value.Faults, p.Value.Seconds)));
            fast.WalkProfile.Enabled = false;
        }
        return new CampaignBenchmarkResult(target == FaultTarget.Weight ? "weights" : "activations", data.Count, faults, options.Threads,
            plainSeconds, fastSeconds, identical, fast.Accelerated, fast.CacheGroupCount) { ByTensor = byTensor, ByNode = breakdown ? fast.WalkProfile.Rows() : [], PlainReason = fast.PlainReason };
    }
}
