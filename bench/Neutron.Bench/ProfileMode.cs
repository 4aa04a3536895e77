// `dotnet run -c Release --project bench/Neutron.Bench -- profile MODEL [BATCH] [RUNS] [--stored-graph]`: wall time
// per operator type, timed between consecutive output-observer calls (DESIGN §2's seam), to see where inference
// time goes. It profiles the optimised graph that `neutron bench inference` runs (a fused Conv's time includes its
// activation); --stored-graph profiles the graph as stored, as campaigns run it.
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Bench;

public static class ProfileMode
{
    private sealed class Timer : IOutputObserver
    {
        public readonly Dictionary<string, double> Seconds = new(StringComparer.Ordinal);
        public readonly Dictionary<string, double> PerNode = new(StringComparer.Ordinal);
        public readonly Stopwatch Clock = new();
        public double Last;

        public void OnOutput(PlannedNode node, int outputIndex, Tensor output)
        {
            if (outputIndex != 0) return;
            double now = Clock.Elapsed.TotalSeconds;
            Seconds[node.OpType] = Seconds.GetValueOrDefault(node.OpType) + now - Last;
            PerNode[node.Name] = PerNode.GetValueOrDefault(node.Name) + now - Last;
            Last = now;
        }
    }

    public static int Run(string[] args)
    {
        bool stored = args.Contains("--stored-graph");
        args = args.Where(a => a != "--stored-graph").ToArray();
        int batch = args.Length > 1 ? int.Parse(args[1]) : 256;
        int runs = args.Length > 2 ? int.Parse(args[2]) : 5;
        var model = OnnxReader.Load(args[0]);
        var session = stored ? new InferenceSession(model) : InferenceSession.Optimized(model);
        if (session.Optimization is { } o)
            Console.WriteLine($"optimised graph: {o.Removed} Identity/Dropout removed, {o.FoldedNormalizations} BatchNormalization folded, {o.FusedActivations} activations fused, {o.TransposedWeights} Gemm weights transposed");
        var input = model.RequiredInputs.First();
        var shape = input.Shape!.Select((d, i) => d >= 0 ? d : batch).ToArray();
        var x = Tensor.Zeros(input.Type, shape);
        var rng = new Random(1);
        foreach (ref float v in x.Floats) v = (float)rng.NextDouble();
        var plan = session.Bind(new Dictionary<string, Tensor> { [input.Name] = x });
        plan.Run();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        plan.Run();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var timer = new Timer();
        timer.Clock.Start();
        for (int r = 0; r < runs; r++) plan.Run(timer);
        double total = timer.Seconds.Values.Sum();
        foreach (var (op, s) in timer.Seconds.OrderByDescending(p => p.Value))
            Console.WriteLine($"{op,-20} {1000 * s / runs,9:F2} ms/run {100 * s / total,5:F1}%");
        Console.WriteLine("slowest nodes:");
        foreach (var (name, s) in timer.PerNode.OrderByDescending(p => p.Value).Take(8))
            Console.WriteLine($"  {name,-40} {1000 * s / runs,9:F2} ms/run");
        Console.WriteLine($"{"total",-20} {1000 * total / runs,9:F2} ms/run = {runs * batch / total:F0} images/s");
        Console.WriteLine($"steady-state allocation: {allocated:N0} bytes per run (Parallel.For bookkeeping and closures)");
        return 0;
    }
}
