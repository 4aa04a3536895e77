// `dotnet run -c Release --project bench/Neutron.Bench -- --gflops`: GEMM GFLOP/s per size on 1 core and on all
// cores, each as a share of the FMA peak (MachinePeak). A quick steady-state timer, not BenchmarkDotNet: it runs
// each size for about a second after a warm-up and reports the best of three.
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;

namespace Neutron.Bench;

public static class GflopsMode
{
    public static int Run(string[] args)
    {
        int threads = Environment.ProcessorCount;
        var peak = MachinePeak.Detect(threads);
        Console.WriteLine($"kernel set: {KernelSet.Name}; peak {peak.Gflops:F1} GFLOP/s = {peak.Assumption}");
        Console.WriteLine($"{"M×N×K",-20} {"1 thread",12} {"% 1-core",9} {threads + " threads",12} {"% peak",8}");
        int[][] sizes = args.Length > 1
            ? [args[1].Split('x').Select(int.Parse).ToArray()]
            : [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [64, 784, 576], [256, 120, 400]];
        foreach (var s in sizes)
        {
            int m = s[0], n = s[1], k = s[2];
            Parallelism.MaxThreads = 1;
            double one = Measure(m, n, k);
            Parallelism.MaxThreads = threads;
            double all = Measure(m, n, k);
            Console.WriteLine($"{$"{m}×{n}×{k}",-20} {one,12:F1} {100 * one / peak.GflopsPerCore,8:F0}% {all,12:F1} {100 * all / peak.Gflops,7:F0}%");
        }
        return 0;
    }

    private static double Measure(int m, int n, int k)
    {
        var rng = new Random(1);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble();
        for (int i = 0; i < b.Length; i++) b[i] = (float)rng.NextDouble();
        double flops = 2.0 * m * n * k;
        int reps = (int)Math.Max(1, 2e9 / flops);
        for (int i = 0; i < Math.Max(1, reps / 4); i++) ParallelGemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        double best = 0;
        for (int round = 0; round < 3; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) ParallelGemm.Multiply(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            best = Math.Max(best, flops * reps / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }
}
