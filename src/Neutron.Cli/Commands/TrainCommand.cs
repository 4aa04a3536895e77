// neutron train: trains LeNet-5 or ResNet-20 (or fine-tunes an ONNX model with --from) on a data spec and writes
// opset-13 ONNX (input `input` [N,C,H,W], output `logits`). A progress bar when the terminal is interactive,
// one line per epoch always (so logs of background runs read well).
using System.CommandLine;
using System.Diagnostics;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Training;
using Spectre.Console;

namespace Neutron.Cli.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "architecture: lenet5 or resnet20", DefaultValueFactory = _ => "lenet5" };
        var from = new Option<FileInfo?>("--from") { Description = "fine-tune this ONNX model instead of a fresh --arch" };
        var data = new Option<string>("--data") { Description = "training data spec, e.g. idx:/usr/share/datasets/fashion-mnist/train", Required = true };
        var test = new Option<string?>("--test") { Description = "test data spec (default for idx:DIR/train: idx:DIR/t10k)" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training data", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "mini-batch size", DefaultValueFactory = _ => 64 };
        var lr = new Option<float?>("--lr") { Description = "base learning rate (default: sgd 0.05, adam 0.001)" };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9) or adam", DefaultValueFactory = _ => "sgd" };
        var schedule = new Option<string>("--schedule") { Description = "cosine, step (×0.1 at 50 % and 75 %) or constant", DefaultValueFactory = _ => "cosine" };
        var weightDecay = new Option<float>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 5e-4f };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => 1 };
        var augment = new Option<bool>("--augment") { Description = "random crop (pad 2 on 28×28, 4 on 32×32) and horizontal flip" };
        var limit = new Option<int>("--limit") { Description = "train on the first N images only", DefaultValueFactory = _ => int.MaxValue };
        var threads = new Option<int>("--threads") { Description = "threads to use", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<FileInfo>("--out") { Description = "where to write the trained ONNX model", Required = true };
        var command = new Command("train", "Train LeNet-5 or ResNet-20 (or fine-tune an ONNX model) and export ONNX")
        {
            arch, from, data, test, epochs, batch, lr, optimizer, schedule, weightDecay, seed, augment, limit, threads, output,
        };
        command.SetAction(parse =>
        {
            Parallelism.MaxThreads = Math.Max(1, parse.GetValue(threads));
            string dataText = parse.GetValue(data)!;
            var train = Load(dataText, parse.GetValue(limit));
            string? testText = parse.GetValue(test) ?? DefaultTest(dataText);
            var testSet = testText is null ? null : Load(testText, int.MaxValue);

            string archName = parse.GetValue(arch)!;
            var fromFile = parse.GetValue(from);
            if (fromFile is null && !Architectures.Names.Contains(archName))
                throw new UserError($"architecture '{archName}' is unknown", $"use --arch {string.Join(" or --arch ", Architectures.Names)}");
            var model = fromFile is not null
                ? OnnxReader.Load(fromFile.FullName)
                : Architectures.Create(archName, train.Channels, train.Height, train.Width, Math.Max(10, train.Classes), parse.GetValue(seed));
            var net = new ModelTape(model);

            string opt = parse.GetValue(optimizer)!.ToLowerInvariant();
            var optKind = opt switch
            {
                "sgd" => OptimizerKind.Sgd,
                "adam" => OptimizerKind.Adam,
                _ => throw new UserError($"optimizer '{opt}' is unknown", "use --optimizer sgd or --optimizer adam"),
            };
            var schedKind = parse.GetValue(schedule)!.ToLowerInvariant() switch
            {
                "cosine" => ScheduleKind.Cosine,
                "step" => ScheduleKind.Step,
                "constant" => ScheduleKind.Constant,
                var s => throw new UserError($"schedule '{s}' is unknown", "use --schedule cosine, step or constant"),
            };
            int e = parse.GetValue(epochs), b = parse.GetValue(batch);
            if (e < 1 || b < 2) throw new UserError($"--epochs {e} and --batch {b} must be at least 1 and 2", "e.g. --epochs 10 --batch 64");
            var options = new TrainerOptions
            {
                Epochs = e,
                BatchSize = b,
                Optimizer = optKind,
                LearningRate = parse.GetValue(lr) ?? (optKind == OptimizerKind.Adam ? 1e-3f : 0.05f),
                WeightDecay = parse.GetValue(weightDecay),
                Schedule = schedKind,
                Seed = parse.GetValue(seed),
                Augmentation = parse.GetValue(augment) ? new Augmentation(train.Height >= 32 ? 4 : 2, true) : Augmentation.None,
            };
            string where = fromFile?.Name ?? archName;
            Console.WriteLine($"training {where} ({net.ParameterCount:N0} parameters) on {train.Count:N0} images {train.Channels}×{train.Height}×{train.Width}" +
                $"{(testSet is null ? "" : $", testing on {testSet.Count:N0}")}; {optKind.ToString().ToLowerInvariant()} lr {options.LearningRate} {schedKind.ToString().ToLowerInvariant()}, batch {b}, {Parallelism.MaxThreads} threads");
            var clock = Stopwatch.StartNew();
            List<EpochReport> reports;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                reports = [];
                AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"epoch 1/{e}", maxValue: e);
                        var trainer = new Trainer(net, options)
                        {
                            OnBatch = (done, total) => task.Value = reports.Count + (double)done / total,
                            OnEpoch = r =>
                            {
                                reports.Add(r);
                                task.Description = $"epoch {Math.Min(r.Epoch + 1, e)}/{e}  loss {r.Loss:F4}  acc {r.Accuracy:P2}";
                                AnsiConsole.MarkupLine(Markup.Escape(Line(r)));
                            },
                        };
                        trainer.Fit(train, testSet);
                    });
            }
            else
            {
                reports = new Trainer(net, options) { OnEpoch = r => Console.WriteLine(Line(r)) }.Fit(train, testSet);
            }
            var outFile = parse.GetValue(output)!;
            OnnxWriter.Save(net.Model, outFile.FullName);
            var last = reports[^1];
            Console.WriteLine($"wrote {outFile.FullName}: train accuracy {last.Accuracy:P2}" +
                $"{(last.TestAccuracy is { } t ? $", test accuracy {t:P2}" : "")}, {clock.Elapsed.TotalSeconds:F1} s ({reports.Average(r => r.Seconds):F1} s per epoch)");
            return 0;
        });
        return command;
    }

    private static string Line(EpochReport r) =>
        $"epoch {r.Epoch,3}/{r.Epochs}  loss {r.Loss:F4}  train {r.Accuracy:P2}" +
        (r.TestAccuracy is { } t ? $"  test {t:P2}" : "") + $"  lr {r.LearningRate:G3}  {r.Seconds:F1} s";

    private static ImageSet Load(string text, int limit)
    {
        DataSpec spec;
        try { spec = DataSpec.Parse(text); }
        catch (ArgumentException e) { throw new UserError(e.Message, "e.g. --data idx:/usr/share/datasets/fashion-mnist/train"); }
        var data = spec.Load(new DataOptions { Limit = limit });
        return ImageSet.From(data, spec.DefaultNormalization());
    }

    /// <summary>idx:DIR/train pairs with idx:DIR/t10k, as Fashion-MNIST and MNIST ship.</summary>
    private static string? DefaultTest(string dataText)
    {
        if (!dataText.StartsWith("idx:", StringComparison.OrdinalIgnoreCase) || !dataText.EndsWith("/train", StringComparison.Ordinal)) return null;
        string candidate = dataText[..^"train".Length] + "t10k";
        string prefix = candidate[4..];
        return File.Exists(prefix + "-images-idx3-ubyte.gz") || File.Exists(prefix + "-images-idx3-ubyte") ? candidate : null;
    }
}
