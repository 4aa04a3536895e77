// neutron bench inference MODEL [--batch B] [--seconds S] [--json]: inference images/s at a batch size, through
// Neutron.Engine's InferenceBenchmark (seeded random inputs, warm-up, then timed runs). bench/compare-torch.sh
// runs it beside PyTorch on the same model and prints the ratio.
using System.CommandLine;
using System.Text.Json;
using Neutron.Engine.Execution;

namespace Neutron.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var batch = new Option<int>("--batch", "-b") { Description = "images per inference", DefaultValueFactory = _ => 256 };
        var seconds = new Option<double>("--seconds") { Description = "time to spend measuring, after a warm-up", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "threads operators may use (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "print JSON (fields model, batch, threads, kernels, runs, seconds, images_per_s)" };
        var inference = new Command("inference", "Measure a model's inference speed in images/s") { model, batch, seconds, threads, json };
        inference.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            if (!file.Exists) throw new UserError($"model file '{file.FullName}' not found", "check the path", ExitCodes.ModelOrData);
            int b = parse.GetValue(batch);
            if (b < 1) throw new UserError($"--batch {b} must be at least 1", "try --batch 256");
            double s = parse.GetValue(seconds);
            if (!(s > 0)) throw new UserError($"--seconds {s} must be positive", "try --seconds 5");
            if (parse.GetValue(threads) is { } t)
            {
                if (t < 1) throw new UserError($"--threads {t} must be at least 1", $"this machine has {Environment.ProcessorCount} cores");
                Parallelism.MaxThreads = t;
            }
            var r = InferenceBenchmark.Run(file.FullName, b, s);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = r.Model, batch = r.Batch, threads = r.Threads, kernels = r.Kernels, runs = r.Runs,
                    seconds = Math.Round(r.Seconds, 3), images_per_s = Math.Round(r.ImagesPerSecond, 1),
                }, new JsonSerializerOptions { WriteIndented = true }));
            else
                Console.WriteLine($"{r.Model}: {r.ImagesPerSecond:F1} images/s (batch {r.Batch}, {r.Runs} runs in {r.Seconds:F2} s, {r.Threads} threads, kernels {r.Kernels})");
            return ExitCodes.Ok;
        });
        return new Command("bench", "Speed measurements") { inference };
    }
}
