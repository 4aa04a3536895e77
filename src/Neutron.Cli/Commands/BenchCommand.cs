// neutron bench inference MODEL [--batch B] [--seconds S] [--json]: inference images/s at a batch size, through
// Neutron.Engine's InferenceBenchmark (seeded random inputs, warm-up, then timed runs of the optimised graph).
// bench/compare-ort.sh and bench/compare-torch.sh run it beside ONNX Runtime and PyTorch and print the ratio. neutron bench campaign MODEL --target T --images N
// --faults K [--json]: the plain and accelerated fault runners on the same faults (Neutron.Faults CampaignBenchmark).
using System.CommandLine;
using Neutron.Campaigns;
using Neutron.Cli.Options;
using Neutron.Cli.Printing;
using System.Text.Json;
using Neutron.Engine.Execution;
using Neutron.Engine.Data;
using Neutron.Engine.Kernels;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;

namespace Neutron.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var batch = new Option<int>("--batch", "-b") { Description = "images per inference", DefaultValueFactory = _ => 256 };
        var seconds = new Option<double>("--seconds") { Description = "time to spend measuring, after a warm-up", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "threads operators may use (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "print JSON (fields model, batch, threads, kernels, runs, seconds, images_per_s, group)" };
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
            try
            {
                _ = KernelSet.Active;
            }
            catch (TypeInitializationException e) when (e.InnerException is ArgumentException bad)
            {
                throw new UserError(bad.Message, $"unset {KernelSet.EnvironmentVariable} or set it to scalar, avx2 or avx512");
            }
            var r = InferenceBenchmark.Run(file.FullName, b, s);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = r.Model, batch = r.Batch, threads = r.Threads, kernels = r.Kernels, runs = r.Runs,
                    seconds = Math.Round(r.Seconds, 3), images_per_s = Math.Round(r.ImagesPerSecond, 1), group = r.Group,
                }, new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                string split = r.Group > 0 ? $", each thread its images in groups of up to {r.Group}" : "";
                Console.WriteLine($"{r.Model}: {r.ImagesPerSecond:F1} images/s (batch {r.Batch}, {r.Runs} runs in {r.Seconds:F2} s, {r.Threads} threads{split}, kernels {r.Kernels})");
            }
            return ExitCodes.Ok;
        });
        return new Command("bench", "Speed measurements") { inference, Campaign() };
    }

    private static Command Campaign()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var data = new Option<string>("--data") { Description = "evaluation data, FORMAT:PATH", DefaultValueFactory = _ => "idx:/usr/share/datasets/fashion-mnist/t10k" };
        var target = new Option<string>("--target") { Description = "weights or activations", DefaultValueFactory = _ => "weights" };
        var images = new Option<int>("--images") { Description = "evaluation images", DefaultValueFactory = _ => 1000 };
        var faults = new Option<int>("--faults") { Description = "faults, drawn uniformly over the target's bits, run by both paths", DefaultValueFactory = _ => 200 };
        var format = new Option<string>("--format") { Description = "number format of the stored weights: fp32, fp16, bf16, int8, fxpW.F", DefaultValueFactory = _ => "fp32" };
        var datapath = new Option<string>("--datapath") { Description = "number format of the activations: fp32, fp16, bf16, int8, fxpW.F", DefaultValueFactory = _ => "fp32" };
        var faultModel = new Option<string>("--model") { Description = "flip, stuck0, stuck1, flip:adjK, flip:randK", DefaultValueFactory = _ => "flip" };
        var threads = new Option<int>("--threads") { Description = "fault runner threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<ulong>("--seed") { Description = "seed of the fault draws", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "print JSON (fields plain_faults_per_s, fast_faults_per_s, speedup, identical, ...)" };
        var memory = MemoryOption.Create();
        var breakdown = new Option<bool>("--breakdown") { Description = "then time each fault alone on the accelerated path (one thread) and show the time per site tensor and per node of the cone walk" };
        var cpuTime = new Option<bool>("--cpu-time") { Description = "time the process's CPU seconds instead of the wall clock (a shared machine; use with --threads 1)" };
        var command = new Command("campaign", "Measure faults/s of the plain and the accelerated fault runner on the same faults (each warmed up first; the accelerated time is the median of 3 passes)")
        {
            model, data, target, images, faults, format, datapath, faultModel, threads, seed, json, memory, breakdown, cpuTime,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            if (!file.Exists) throw new UserError($"model file '{file.FullName}' not found", "check the path", ExitCodes.ModelOrData);
            var kind = parse.GetValue(target)!.Trim().ToLowerInvariant() switch
            {
                "weights" or "weight" => FaultTarget.Weight,
                "activations" or "activation" => FaultTarget.Activation,
                var other => throw new UserError($"--target '{other}' is unknown", "use weights or activations"),
            };
            int n = parse.GetValue(images), k = parse.GetValue(faults), t = parse.GetValue(threads);
            if (n < 1) throw new UserError($"--images {n} must be at least 1", "try --images 1000");
            if (k < 1) throw new UserError($"--faults {k} must be at least 1", "try --faults 200");
            if (t < 1) throw new UserError($"--threads {t} must be at least 1", $"this machine has {Environment.ProcessorCount} cores");
            NumberFormat numberFormat, datapathFormat;
            FaultModelSpec spec;
            DataSpec dataSpec;
            try
            {
                numberFormat = NumberFormat.Parse(parse.GetValue(format)!);
                datapathFormat = NumberFormat.Parse(parse.GetValue(datapath)!);
                spec = FaultModelSpec.Parse(parse.GetValue(faultModel)!);
                dataSpec = DataSpec.Parse(parse.GetValue(data)!);
            }
            catch (ArgumentException e) { throw new UserError(e.Message, "see `neutron bench campaign --help`"); }
            var loaded = dataSpec.Load(new DataOptions { Limit = n });
            if (loaded.Count == 0) throw new UserError($"data '{parse.GetValue(data)}' holds no images", "check the data spec", ExitCodes.ModelOrData);
            var benchModel = OnnxReader.Load(file.FullName);
            DataChecks.ForClassifier(loaded, benchModel, file.Name);
            var r = CampaignBenchmark.Run(benchModel, new EvaluationSet(loaded.Images, loaded.Labels),
                new RunnerOptions { Format = numberFormat, Datapath = datapathFormat, Threads = t, MemoryBudget = MemoryOption.Parse(parse.GetValue(memory)) }, kind, spec, k, parse.GetValue(seed), parse.GetValue(breakdown),
                parse.GetValue(cpuTime));
            if (parse.GetValue(json)) CampaignBenchmarkConsole.Json(r, file.Name, numberFormat, datapathFormat, parse.GetValue(cpuTime));
            else CampaignBenchmarkConsole.Text(r, file.Name, numberFormat, datapathFormat, parse.GetValue(cpuTime));
            return r.Identical ? ExitCodes.Ok : ExitCodes.Internal;
        });
        return command;
    }
}
