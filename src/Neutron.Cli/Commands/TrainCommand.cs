// neutron train: trains LeNet-5 or ResNet-20 (or fine-tunes an ONNX model with --from) on a data spec and writes
// opset-13 ONNX (input `input` [N,C,H,W], output `logits`). A progress bar when the terminal is interactive,
// one line per epoch always (so logs of background runs read well). Training against faults: TrainCommand.Faults.cs.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Neutron.Cli.Printing;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Onnx;
using Neutron.Engine.Training;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Training;

namespace Neutron.Cli.Commands;

public static partial class TrainCommand
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
        var qat = new Option<string?>("--qat") { Description = "quantization-aware training: weights stored as int8 or fxpW.F (e.g. fxp8.6)" };
        var datapath = new Option<string?>("--datapath") { Description = "also compute every activation in this format while training (fp16, bf16, int8, fxpW.F), for campaigns with the same --datapath; the accuracies printed per epoch are in it" };
        var faultAware = new Option<double?>("--fault-aware") { Description = "fault-aware training at this bit-error rate per stored weight bit (needs --qat FORMAT)" };
        var faultMaps = new Option<int>("--fault-maps") { Description = "held-out fault maps for accuracy under faults before/after", DefaultValueFactory = _ => 20 };
        var faultList = new Option<FileInfo?>("--fault-list") { Description = "fault-aware training against the weight faults of a CSV list (column `fault`; `neutron export --csv` files work); needs --qat FORMAT, the format the list's campaign ran in (fp32 allowed)" };
        var critical = new Option<double?>("--critical") { Description = "--fault-list: keep only faults whose `drop` column exceeds this many percentage points (critical(τ))" };
        var heldOut = new Option<double>("--held-out") { Description = "--fault-list: fraction of the faults held out (seeded) for accuracy under faults before/after", DefaultValueFactory = _ => 0.2 };
        var perStep = new Option<int>("--faults-per-step") { Description = "--fault-list: training faults injected together in each step, drawn afresh per step", DefaultValueFactory = _ => 8 };
        var output = new Option<FileInfo>("--out") { Description = "where to write the trained ONNX model", Required = true };
        var command = new Command("train", "Train LeNet-5 or ResNet-20 (or fine-tune an ONNX model) and export ONNX")
        {
            arch, from, data, test, epochs, batch, lr, optimizer, schedule, weightDecay, seed, augment, limit, threads, qat, datapath, faultAware, faultMaps, faultList, critical, heldOut, perStep, output,
        };
        command.SetAction(parse =>
        {
            Parallelism.MaxThreads = Math.Max(1, parse.GetValue(threads));
            string dataText = parse.GetValue(data)!;
            if (parse.GetValue(limit) < 1) throw new UserError($"--limit {parse.GetValue(limit)} must be ≥ 1", "e.g. --limit 10000, or leave it out to train on every image");
            if (parse.GetValue(lr) is { } rate0 && !(rate0 > 0 && float.IsFinite(rate0)))
                throw new UserError($"--lr {rate0.ToString(CultureInfo.InvariantCulture)} must be a finite number > 0", "e.g. --lr 0.05 (sgd) or --lr 0.001 (adam)");
            if (!(parse.GetValue(weightDecay) >= 0 && float.IsFinite(parse.GetValue(weightDecay))))
                throw new UserError($"--weight-decay {parse.GetValue(weightDecay).ToString(CultureInfo.InvariantCulture)} must be a finite number ≥ 0", "e.g. --weight-decay 5e-4");
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
            int classes = DataChecks.Classes(model);
            string modelName = fromFile?.Name ?? archName;
            DataChecks.Labels(train.Labels, classes, dataText, modelName);
            if (testSet is not null) DataChecks.Labels(testSet.Labels, classes, testText!, modelName);
            var net = new ModelTape(model);
            NumberFormat? qatFormat = null;
            if (parse.GetValue(qat) is { } qatText)
            {
                try { qatFormat = NumberFormat.Parse(qatText); }
                catch (FaultException ex) { throw new UserError(ex.Message, "e.g. --qat fxp8.6 or --qat int8"); }
                QuantizationAwareTraining.Attach(net, qatFormat);
            }
            double? ber = parse.GetValue(faultAware);
            int maps = parse.GetValue(faultMaps);
            ulong seedValue = (ulong)parse.GetValue(seed);
            if (ber is { } rate) AttachFaultAware(net, testSet, qatFormat, rate, maps, seedValue);
            var listFile = parse.GetValue(faultList);
            if (listFile is null && (parse.GetValue(critical) is not null || parse.GetResult(heldOut) is { Implicit: false } || parse.GetResult(perStep) is { Implicit: false }))
                throw new UserError("--critical, --held-out and --faults-per-step go with --fault-list", "add --fault-list FAULTS.csv, or drop them");
            FaultListSplit? split = null;
            var listFormat = qatFormat ?? NumberFormat.Fp32;
            if (listFile is not null)
            {
                if (ber is not null) throw new UserError("--fault-aware and --fault-list exclude each other", "train against random flips (--fault-aware BER) or against a list (--fault-list FILE), not both");
                split = AttachFaultList(net, testSet, qatFormat, listFile, parse.GetValue(critical), parse.GetValue(heldOut), parse.GetValue(perStep), seedValue);
            }

            NumberFormat? datapathFormat = null;
            if (parse.GetValue(datapath) is { } datapathText)
            {
                try { datapathFormat = NumberFormat.Parse(datapathText); }
                catch (FaultException ex) { throw new UserError(ex.Message, "e.g. --datapath fxp16.10 or --datapath int8"); }
                QuantizationAwareTraining.AttachDatapath(net, datapathFormat);
            }

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
            string where = (fromFile?.Name ?? archName) + (qatFormat is null ? "" : $" with QAT in {qatFormat.Name}")
                + (datapathFormat is null ? "" : $", activations in {datapathFormat.Name}");
            Console.WriteLine($"training {where} ({net.ParameterCount:N0} parameters) on {train.Count:N0} images {train.Channels}×{train.Height}×{train.Width}" +
                $"{(testSet is null ? "" : $", testing on {testSet.Count:N0}")}; {optKind.ToString().ToLowerInvariant()} lr {options.LearningRate} {schedKind.ToString().ToLowerInvariant()}, batch {b}, {Parallelism.MaxThreads} threads");
            var clock = Stopwatch.StartNew();
            var reports = TrainingProgress.Fit(net, options, train, testSet);
            // QAT: store the shadow weights in the format, so the file holds what a campaign in it computes with.
            if (qatFormat is not null) QuantizationAwareTraining.Freeze(net, qatFormat);
            net.ParameterTransform = null;
            net.OutputTransform = null;
            if (testSet is not null)
            {
                if (ber is { } r) PrintFaultAwareAfter(net, testSet, qatFormat!, r, maps, seedValue);
                if (split is not null) PrintFaultListAfter(net, testSet, listFormat, split);
            }
            var outFile = parse.GetValue(output)!;
            if (reports.Any(r => !double.IsFinite(r.Loss)) || net.Model.Initializers.Values.Any(t => t.IsFloating && !FiniteValues.All(t.Floats)))
                throw new UserError($"training diverged (loss {reports[^1].Loss.ToString(CultureInfo.InvariantCulture)}): weights are not finite, nothing written to {outFile.FullName}",
                    "lower --lr (e.g. by 10×), or use --optimizer adam", ExitCodes.ModelOrData);
            OnnxWriter.Save(net.Model, outFile.FullName);
            var last = reports[^1];
            Console.WriteLine($"wrote {outFile.FullName}: train accuracy {last.Accuracy:P2}" +
                $"{(last.TestAccuracy is { } t ? $", test accuracy {t:P2}" : "")}, {clock.Elapsed.TotalSeconds:F1} s ({reports.Average(r => r.Seconds):F1} s per epoch)");
            return 0;
        });
        return command;
    }

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
