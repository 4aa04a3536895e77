// BenchmarkDotNet: one batch of 256 through the ../shared models (LeNet-5, ResNet-20) with all cores, the
// configuration bench/compare-torch.sh compares with PyTorch. Skipped with a message when ../shared is absent.
// Run: dotnet run -c Release --project bench/Neutron.Bench -- --filter '*InferenceBenchmarks*'
using BenchmarkDotNet.Attributes;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Bench;

[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private ExecutionPlan plan = null!;

    [Params("lenet5", "resnet20")]
    public string Model { get; set; } = "lenet5";

    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; } = 256;

    public static IEnumerable<int> Batches => [BenchSuite.Smoke ? 8 : 256];

    [GlobalSetup]
    public void Setup()
    {
        var path = SharedModels.Path(Model);
        var session = new InferenceSession(OnnxReader.Load(path));
        var input = session.Inputs[0];
        var shape = input.Shape!.Select(d => d < 0 ? Batch : d).ToArray();
        var t = Tensor.Zeros(input.Type, shape);
        var rng = new Random(42);
        foreach (ref float v in t.Floats) v = (float)rng.NextDouble() * 2 - 1;
        plan = session.Bind(new Dictionary<string, Tensor> { [input.Name] = t });
    }

    [Benchmark]
    public void Run() => plan.Run();
}

/// <summary>Finds ../shared/models beside the repository (or NEUTRON_SHARED).</summary>
public static class SharedModels
{
    public static string Path(string name)
    {
        var env = Environment.GetEnvironmentVariable("NEUTRON_SHARED");
        for (var dir = new DirectoryInfo(env ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, env is null ? "shared" : "", "models", name + ".onnx");
            if (File.Exists(candidate)) return candidate;
            if (env is not null) break;
        }
        throw new FileNotFoundException($"models/{name}.onnx not found in a 'shared' folder above {AppContext.BaseDirectory}; set NEUTRON_SHARED to the folder holding models/");
    }
}
