// `dotnet run -c Release --project bench/Neutron.Bench -- profile MODEL [BATCH] [RUNS] [--stored-graph] [--cpu-time]
// [--threads N] [--nodes N]`: wall time per operator type and of the N slowest nodes (default 8), timed between consecutive output-observer calls (DESIGN §2's seam),
// to see where inference time goes, after a warm-up of up to 50 runs or 3 s. It profiles the optimised graph that `neutron bench inference` runs (a fused
// Conv's time includes its activation); --stored-graph profiles the graph as stored, as campaigns run it.
// --cpu-time times the process's CPU seconds instead of the wall clock: on a shared, loaded machine that still
// compares kernels (with --threads 1 it is the work itself), where wall time mostly measures the other processes.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Bench;

public static class ProfileMode
{
    private sealed class Timer(bool cpu) : IOutputObserver
    {
        public readonly Dictionary<string, double> Seconds = new(StringComparer.Ordinal);
        public readonly Dictionary<string, double> PerNode = new(StringComparer.Ordinal);
        private readonly Stopwatch clock = Stopwatch.StartNew();
        public double Last;

        public double Now => cpu ? ProcessCpuSeconds() : clock.Elapsed.TotalSeconds;

        public void OnOutput(PlannedNode node, int outputIndex, Tensor output)
        {
            if (outputIndex != 0) return;
            double now = Now;
            string kind = Kind(node);
            Seconds[kind] = Seconds.GetValueOrDefault(kind) + now - Last;
            PerNode[node.Name] = PerNode.GetValueOrDefault(node.Name) + now - Last;
            Last = now;
        }
    }

    /// <summary>The op type, with grouped (depthwise) convolutions apart from dense ones: their kernels differ.</summary>
    private static string Kind(PlannedNode node) =>
        node.OpType == "Conv" && node.Operator.Node.Attributes.Int("group", 1) > 1 ? "Conv (grouped)" : node.OpType;

    public static int Run(string[] args)
    {
        bool stored = args.Contains("--stored-graph"), cpu = args.Contains("--cpu-time");
        int threadsAt = Array.IndexOf(args, "--threads");
        if (threadsAt >= 0)
        {
            Parallelism.MaxThreads = int.Parse(args[threadsAt + 1]);
            args = args.Where((_, i) => i != threadsAt && i != threadsAt + 1).ToArray();
        }
        int nodes = 8, nodesAt = Array.IndexOf(args, "--nodes");
        if (nodesAt >= 0)
        {
            nodes = int.Parse(args[nodesAt + 1]);
            args = args.Where((_, i) => i != nodesAt && i != nodesAt + 1).ToArray();
        }
        args = args.Where(a => a != "--stored-graph" && a != "--cpu-time").ToArray();
        int batch = args.Length > 1 ? int.Parse(args[1]) : 256;
        int runs = args.Length > 2 ? int.Parse(args[2]) : 5;
        var model = OnnxReader.Load(args[0]);
        var session = stored ? new InferenceSession(model) : InferenceSession.Optimized(model);
        if (session.Optimization is { } o)
            Console.WriteLine($"optimised graph: {o.Removed} Identity, Dropout and zero Pad removed, {o.FoldedNormalizations} BatchNormalization folded, {o.FusedActivations} activations fused, {o.FusedResiduals} residual Adds fused into their Conv, {o.FusedConcats} Concats read by their BatchNormalization, {o.TransposedWeights} Gemm weights transposed, {o.ChannelsLast.Count} values kept channels last, {o.WrittenIntoConcats.Count} Conv outputs written into their Concat");
        var input = model.RequiredInputs.First();
        var shape = input.Shape!.Select((d, i) => d >= 0 ? d : batch).ToArray();
        var x = Tensor.Zeros(input.Type, shape);
        var rng = new Random(1);
        foreach (ref float v in x.Floats) v = (float)rng.NextDouble();
        var plan = session.Bind(new Dictionary<string, Tensor> { [input.Name] = x });
        // Warm up until the JIT has promoted the kernels (tier 1, PGO, loop OSR): a few cold runs time the JIT,
        // not the kernels.
        var warm = Stopwatch.StartNew();
        for (int r = 0; r < 50 && warm.Elapsed.TotalSeconds < 3; r++) plan.Run();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        plan.Run();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var timer = new Timer(cpu);
        timer.Last = timer.Now;
        for (int r = 0; r < runs; r++) plan.Run(timer);
        double total = timer.Seconds.Values.Sum();
        foreach (var (op, s) in timer.Seconds.OrderByDescending(p => p.Value))
            Console.WriteLine($"{op,-20} {1000 * s / runs,9:F2} ms/run {100 * s / total,5:F1}%");
        Console.WriteLine("slowest nodes:");
        foreach (var (name, s) in timer.PerNode.OrderByDescending(p => p.Value).Take(nodes))
            Console.WriteLine($"  {name,-40} {1000 * s / runs,9:F2} ms/run");
        Console.WriteLine($"{"total",-20} {1000 * total / runs,9:F2} ms/run = {runs * batch / total:F0} images/s{(cpu ? " (CPU time, all threads)" : "")}");
        Console.WriteLine($"steady-state allocation: {allocated:N0} bytes per run (closures of parallel loops, per-run objects)");
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU seconds of every thread of this process (CLOCK_PROCESS_CPUTIME_ID): cheap, no allocation.</summary>
    private static double ProcessCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        ClockGetTime(2, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}
