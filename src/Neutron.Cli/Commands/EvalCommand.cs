// neutron eval MODEL --data SPEC: top-1 / top-5 accuracy and images/s on a labelled data set (DataSpec notation).
// Top-k follows DESIGN §4 (first index on ties, NaN as the maximum), so numbers match PyTorch's argmax.
// images/s times inference only, not loading; `neutron bench` is the careful speed measurement.
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Spectre.Console;

namespace Neutron.Cli.Commands;

public static class EvalCommand
{
    public sealed record Result(string Model, string Data, int Images, double Top1, double Top5, int Correct1, int Correct5, double ImagesPerS, int Batch);

    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file (a classifier: first output is (N, classes) logits)" };
        var data = new Option<string>("--data", "-d")
        {
            Description = "data set: idx:PREFIX | idx:IMAGES,LABELS | npy:X.npy,Y.npy | npz:FILE[,x=KEY,y=KEY] | cifar:DIR[,split=train][,labels=coarse]",
            Required = true,
        };
        var limit = new Option<int?>("--limit", "-n") { Description = "use the first N images" };
        var batch = new Option<int>("--batch", "-b") { Description = "images per inference", DefaultValueFactory = _ => 100 };
        var mean = new Option<string[]>("--mean") { Description = "per-channel mean subtracted after scaling to [0,1] (default: idx 0.286, cifar CIFAR-10's, npy/npz none)", AllowMultipleArgumentsPerToken = true };
        var std = new Option<string[]>("--std") { Description = "per-channel std divided by (default: idx 0.353, cifar CIFAR-10's, npy/npz none); --mean 0 --std 1 keeps [0,1]", AllowMultipleArgumentsPerToken = true };
        var layout = new Option<DataLayout>("--layout") { Description = "layout of rank-4 npy/npz images", DefaultValueFactory = _ => DataLayout.Auto };
        var json = new Option<bool>("--json") { Description = "print JSON (fields top1, top5, images, images_per_s, ...)" };
        var command = new Command("eval", "Measure a classifier's top-1/top-5 accuracy and speed on a labelled data set") { model, data, limit, batch, mean, std, layout, json };
        command.SetAction(parse =>
        {
            int b = parse.GetValue(batch);
            if (b < 1) throw new UserError($"--batch {b} must be at least 1", "try --batch 100");
            int? n = parse.GetValue(limit);
            if (n is < 1) throw new UserError($"--limit {n} must be at least 1", "drop --limit to use every image");
            var session = CliModel.Load(parse.GetValue(model)!);
            string spec = parse.GetValue(data)!;
            LabeledData set;
            try
            {
                set = DataSpec.Load(spec, new DataOptions
                {
                    Mean = CliModel.Floats(parse.GetValue(mean), "--mean"),
                    Std = CliModel.Floats(parse.GetValue(std), "--std"),
                    Limit = n ?? int.MaxValue,
                    Layout = parse.GetValue(layout),
                });
            }
            catch (ArgumentException e)
            {
                throw new UserError(e.Message, "see `neutron eval --help` for the data notation");
            }
            if (set.Count == 0) throw new UserError($"data set '{spec}' holds no images", "check the data path", ExitCodes.ModelOrData);
            DataChecks.Labels(set.Labels, DataChecks.Classes(session), spec, parse.GetValue(model)!.Name);
            bool asJson = parse.GetValue(json);
            var result = Evaluate(session, set, b, Path.GetFileName(parse.GetValue(model)!.FullName), showProgress: !asJson && !Console.IsErrorRedirected && set.Count >= 2000);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = result.Model, data = result.Data, images = result.Images, top1 = result.Top1, top5 = result.Top5,
                    correct1 = result.Correct1, correct5 = result.Correct5, images_per_s = Math.Round(result.ImagesPerS, 1), batch = result.Batch,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"model  {result.Model}");
                Console.WriteLine($"data   {result.Data} ({result.Images} images)");
                Console.WriteLine($"top-1  {100 * result.Top1:F2} % ({result.Correct1}/{result.Images})");
                Console.WriteLine($"top-5  {100 * result.Top5:F2} % ({result.Correct5}/{result.Images})");
                Console.WriteLine($"speed  {result.ImagesPerS:F0} images/s (batch {result.Batch}, inference only)");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Result Evaluate(InferenceSession session, LabeledData set, int batch, string modelName, bool showProgress = false)
    {
        var inputs = session.Inputs;
        if (inputs.Length != 1)
            throw new UserError($"eval needs a single-input classifier, the model has {inputs.Length} inputs", "use `neutron run` for other models", ExitCodes.ModelOrData);
        string inputName = inputs[0].Name, outputName = session.Model.Outputs[0].Name;
        int correct1 = 0, correct5 = 0;
        var clock = new Stopwatch();

        void RunAll(Action<int>? advance)
        {
            for (int start = 0; start < set.Count; start += batch)
            {
                int count = Math.Min(batch, set.Count - start);
                var x = set.Batch(start, count);
                clock.Start();
                var plan = session.Bind(new Dictionary<string, Engine.Tensors.Tensor> { [inputName] = x });
                plan.Run();
                clock.Stop();
                var y = plan.Get(outputName);
                if (y.Rank != 2 || y.Shape[0] != count || !y.IsFloating)
                    throw new UserError($"output '{outputName}' is {y}, eval needs float logits of shape ({count}, classes)", "eval serves classifiers; use `neutron run` for other models", ExitCodes.ModelOrData);
                int classes = y.Shape[1];
                for (int i = 0; i < count; i++)
                {
                    long label = set.Labels[start + i];
                    if (label < 0 || label >= classes)
                        throw new UserError($"image {start + i} has label {label}, the model has {classes} classes", "check that the data set matches the model", ExitCodes.ModelOrData);
                    int rank = TopK.Rank(y.Floats.Slice(i * classes, classes), (int)label);
                    if (rank == 0) correct1++;
                    if (rank < 5) correct5++;
                }
                advance?.Invoke(count);
            }
        }

        if (showProgress)
        {
            CliModel.Error().Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("eval", maxValue: set.Count);
                RunAll(k => task.Increment(k));
            });
        }
        else RunAll(null);
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        return new Result(modelName, set.Source, set.Count, (double)correct1 / set.Count, (double)correct5 / set.Count, correct1, correct5, set.Count / seconds, batch);
    }
}
