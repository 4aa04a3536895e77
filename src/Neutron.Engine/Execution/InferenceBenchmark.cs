// Inference throughput of one model: seeded random inputs at a given batch size, a warm-up, then plan runs until
// the time budget is spent; images/s = images / wall time. What `neutron bench inference` and the bench project
// print. It measures the engine only (no output copies, no data loading) on the optimised graph
// (InferenceSession.Optimized: BatchNormalization folded, activations fused); it is not a correctness check.
using System.Diagnostics;
using Neutron.Engine.Kernels;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

/// <summary>Group: the most images each thread ran at once when the batch ran as ImageGroups, 0 when every operator
/// shared its work between the threads.</summary>
public sealed record InferenceBenchmarkResult(string Model, int Batch, int Threads, string Kernels, int Runs,
    double Seconds, double ImagesPerSecond, int Group = 0);

public static class InferenceBenchmark
{
    public static InferenceBenchmarkResult Run(string modelPath, int batch, double seconds)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"batch must be ≥ 1, got {batch}");
        if (!(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(seconds), $"seconds must be > 0, got {seconds}");
        var model = OnnxReader.Load(modelPath);
        var session = InferenceSession.Optimized(model);
        var rng = new Random(42);
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in model.RequiredInputs)
        {
            var shape = input.Shape!.Select((d, i) => d >= 0 ? d : i == 0 ? batch
                : throw new ModelException(ModelErrorCode.InputMismatch, $"input '{input.Name}' {input.ShapeText} has a symbolic dimension other than the batch; benchmark needs fixed sizes")).ToArray();
            var t = Tensor.Zeros(input.Type, shape);
            if (t.IsFloating)
                foreach (ref float v in t.Floats) v = (float)(rng.NextDouble() * 2 - 1);
            inputs[input.Name] = t;
        }
        // Each thread its share of the images when the graph keeps them apart, else one plan over the batch.
        // The first thread takes the session already built; each other thread gets one of its own.
        bool builtTaken = false;
        InferenceSession NextSession()
        {
            if (builtTaken) return InferenceSession.Optimized(model);
            builtTaken = true;
            return session;
        }
        var groups = ImageGroups.TryCreate(NextSession, inputs, Parallelism.MaxThreads);
        Action run;
        if (groups is not null) run = groups.Run;
        else
        {
            var plan = session.Bind(inputs);
            run = () => plan.Run();
        }
        int images = inputs.Count > 0 ? inputs.Values.First().Shape[0] : batch;
        var warm = Stopwatch.StartNew();
        int warmRuns = 0;
        while (warmRuns < 2 || (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds / 4) && warmRuns < 50))
        {
            run();
            warmRuns++;
        }
        var sw = Stopwatch.StartNew();
        int runs = 0;
        while (runs < 1 || sw.Elapsed.TotalSeconds < seconds)
        {
            run();
            runs++;
        }
        double elapsed = sw.Elapsed.TotalSeconds;
        return new InferenceBenchmarkResult(Path.GetFileName(modelPath), images, Parallelism.MaxThreads, KernelSet.VariantName,
            runs, elapsed, runs * (double)images / elapsed, groups?.Group ?? 0);
    }
}
