// `dotnet run -c Release --project bench/Neutron.Bench -- profile MODEL [BATCH] [RUNS]`: wall time per operator
// type, timed between consecutive output-observer calls (DESIGN §2's seam), to see where inference time goes.
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
        int batch = args.Length > 1 ? int.Parse(args[1]) : 256;
        int runs = args.Length > 2 ? int.Parse(args[2]) : 5;
        var model = OnnxReader.Load(args[0]);
        var session = new InferenceSession(model);
        var input = model.RequiredInputs.First();
        var shape = input.Shape!.Select((d, i) => d >= 0 ? d : batch).ToArray();
        var x = Tensor.Zeros(input.Type, shape);
        var rng = new Random(1);
        foreach (ref float v in x.Floats) v = (float)rng.NextDouble();
        var plan = session.Bind(new Dictionary<string, Tensor> { [input.Name] = x });
        plan.Run();
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
        return 0;
    }
}
