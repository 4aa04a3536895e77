// BenchmarkDotNet: time per fault of the fault runner, plain (full re-run per fault, the oracle) and accelerated
// (golden cache + cone re-execution), on the bundled sample (samples/lenet5-fmnist.onnx, the first Images of
// samples/fashion-mnist/t10k-1000), for 32 seeded single-bit flips in weights or activations, one thread.
// Only the public API of Neutron.Faults; `neutron bench campaign` is its end-to-end twin (faults/s, all cores).
// Run: dotnet run -c Release --project bench/Neutron.Bench -- --filter '*InjectionBenchmarks*'
using BenchmarkDotNet.Attributes;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Random;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Bench;

public enum RunnerPath { Plain, Accelerated }

[MemoryDiagnoser]
public class InjectionBenchmarks
{
    /// <summary>Faults per invocation; BenchmarkDotNet divides by it, so results read as time per fault.</summary>
    public const int Faults = 32;
    private const ulong Seed = 1;

    private FaultRunner runner = null!;
    private PlannedFault[] planned = [];
    private readonly CountingSink sink = new();

    [Params(RunnerPath.Plain, RunnerPath.Accelerated)]
    public RunnerPath Path { get; set; }

    [Params(FaultTarget.Weight, FaultTarget.Activation)]
    public FaultTarget Target { get; set; }

    [ParamsSource(nameof(ImageCounts))]
    public int Images { get; set; } = 100;

    public static IEnumerable<int> ImageCounts => [BenchSuite.Smoke ? 10 : 100];

    [GlobalSetup]
    public void Setup()
    {
        var model = OnnxReader.Load(SampleFiles.Path("lenet5-fmnist.onnx"));
        var data = DataSpec.Load("idx:" + SampleFiles.Path("fashion-mnist/t10k-1000"), new DataOptions { Limit = Images });
        runner = new FaultRunner(model, new EvaluationSet(data.Images, data.Labels),
            new RunnerOptions { Plain = Path == RunnerPath.Plain, Threads = 1, BatchSize = Faults });
        // A silent fall-back to the plain path would make the two rows equal and the comparison meaningless.
        if (runner.Accelerated != (Path == RunnerPath.Accelerated))
            throw new InvalidOperationException($"the {Path} runner came up {(runner.Accelerated ? "accelerated" : "plain")}");
        // Drawn as CampaignBenchmark draws them: uniform over the target's (site, element, bit) space, keyed by (seed, i).
        var space = FaultSpace.Create(runner.Sites, Target);
        planned = new PlannedFault[Faults];
        for (int i = 0; i < Faults; i++)
            planned[i] = new PlannedFault(i, space.FaultAt((long)CounterRng.Below(Seed, (ulong)i, 0, (ulong)space.Size), Seed));
    }

    [Benchmark(OperationsPerInvoke = Faults)]
    public long Run()
    {
        sink.Reset();
        runner.Run(planned, sink);
        if (sink.Faults != Faults) throw new InvalidOperationException($"the runner reported {sink.Faults} of {Faults} outcomes");
        return sink.SdcImages;
    }

    /// <summary>Counts outcomes instead of keeping them, so repeated invocations allocate nothing in the sink.</summary>
    private sealed class CountingSink : IOutcomeSink
    {
        public int Faults { get; private set; }
        public long SdcImages { get; private set; }

        public void Reset() => (Faults, SdcImages) = (0, 0);

        public void Write(IReadOnlyList<FaultOutcome> outcomes)
        {
            Faults += outcomes.Count;
            foreach (var o in outcomes) SdcImages += o.Sdc;
        }
    }
}

/// <summary>Finds the repository's samples/ folder above the benchmark binaries.</summary>
public static class SampleFiles
{
    public static string Path(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var samples = System.IO.Path.Combine(dir.FullName, "samples");
            if (File.Exists(System.IO.Path.Combine(samples, "lenet5-fmnist.onnx"))) return System.IO.Path.Combine(samples, relative);
        }
        throw new DirectoryNotFoundException($"samples/lenet5-fmnist.onnx not found above {AppContext.BaseDirectory}; run from the repository");
    }
}
