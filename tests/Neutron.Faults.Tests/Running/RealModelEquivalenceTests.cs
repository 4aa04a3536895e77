// The accelerated path against the plain path on real exported topologies, fault by fault, weights and activations:
// every torchvision model of tests/data/make_torchvision.py, and the exporter forms of tests/data/make_torch_forms.py
// (opsets 9 to 17, weights in Constant nodes or listed as graph inputs, BatchNormalization left unfused, Hardswish
// written out as opset-9 arithmetic, SE blocks reshaped through Shape/Gather/Reshape, channel shuffle). The
// LeNet-5 and ResNet-20 tests never meet shape arithmetic computed from the images; these models are full of it.
// Both scripts run (with Debian's python3-torch) into tests/data/.cache when files are missing; without torch the
// theory is reported skipped, with the reason.
using System.Diagnostics;
using Neutron.Engine.Data;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Xunit.Abstractions;

namespace Neutron.Faults.Tests.Running;

[Trait("Category", "Slow")]
public class RealModelEquivalenceTests(ITestOutputHelper output)
{
    // Faults per model and target: few, since the plain path re-runs the whole network per fault.
    private const int FaultsPerTarget = 5;

    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        foreach (var m in RealModels.Torchvision) data.Add(m);
        foreach (var m in RealModels.Forms) data.Add(m);
        return data;
    }

    [RealModelsTheory]
    [MemberData(nameof(Models))]
    public void Accelerated_logits_and_outcomes_equal_the_plain_paths(string name)
    {
        var clock = Stopwatch.StartNew();
        var (model, data) = RealModels.Load(name);
        var options = new RunnerOptions { Threads = 2, ImageChunk = data.Count, ConeChunk = data.Count };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated, $"{name} runs plain: {fast.PlainReason}");

        var faults = new List<PlannedFault>();
        foreach (var target in new[] { FaultTarget.Weight, FaultTarget.Activation })
            foreach (var fault in Spread(plain.Sites.Of(target), name, FaultsPerTarget)) faults.Add(new PlannedFault(faults.Count, fault));
        foreach (var f in faults) RunnerFixtures.AssertSameLogits(plain, fast, f.Fault, data.Count);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
        output.WriteLine($"{name}: {plain.Sites.Weights.Count} weight and {plain.Sites.Activations.Count} activation sites, "
            + $"{faults.Count} faults equal, {clock.Elapsed.TotalSeconds:F1} s");
    }

    // Weights and datapath in other formats: quantised weights with the fp32 datapath's box paths and bounds, and
    // quantised datapaths (every activation fake-quantised, int8 calibrated per tensor), through the same shapes.
    [RealModelsTheory]
    [InlineData("mnv3style_o9_constants", "bf16", "fp32")]
    [InlineData("mnv3style_o9_constants", "fp32", "fp16")]
    [InlineData("shufflenet_v2_x0_5_o11_constants", "fxp16.12", "fp32")]
    [InlineData("shufflenet_v2_x0_5_o11_constants", "int8", "int8")]
    [InlineData("mobilenet_v3_small_o9_unfolded", "fp16", "bf16")]
    public void Accelerated_path_equals_the_plain_path_in_other_formats(string name, string format, string datapath)
    {
        var (model, data) = RealModels.Load(name);
        var options = new RunnerOptions
        {
            Format = NumberFormat.Parse(format), Datapath = NumberFormat.Parse(datapath), Threads = 2, ImageChunk = data.Count, ConeChunk = data.Count,
        };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated, $"{name} runs plain: {fast.PlainReason}");
        var faults = new List<PlannedFault>();
        foreach (var target in new[] { FaultTarget.Weight, FaultTarget.Activation })
        {
            int width = (target == FaultTarget.Weight ? options.Format : options.Datapath).Width;
            foreach (var fault in Spread(plain.Sites.Of(target), name, FaultsPerTarget))
                faults.Add(new PlannedFault(faults.Count, fault with { Bit = fault.Bit * width / 32 }));
        }
        foreach (var f in faults) RunnerFixtures.AssertSameLogits(plain, fast, f.Fault, data.Count);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }

    [Fact]
    public void Shape_arithmetic_and_unread_outputs_downstream_of_a_fault_are_skipped()
    {
        // x → conv → relu r; r is flattened as torch exports x.view(x.size(0), -1) (Shape, Gather, Unsqueeze, Concat,
        // Reshape) and also feeds a Sigmoid nothing reads. Shape and the Sigmoid run per image but carry nothing on:
        // neither has a golden value cached, and the walk must not look for one.
        var rng = new System.Random(5);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        Node N(string op, string[] inputs, string output, Dictionary<string, object>? attributes = null) =>
            new() { Name = output, OpType = op, Inputs = inputs, Outputs = [output], Attributes = new Attributes(attributes ?? [], output) };
        var model = new Model
        {
            Nodes =
            [
                N("Conv", ["x", "conv.w", "conv.b"], "c", new() { ["pads"] = new long[] { 1, 1, 1, 1 } }),
                N("Relu", ["c"], "r"),
                N("Shape", ["r"], "s"),
                N("Gather", ["s", "zero"], "b", new() { ["axis"] = 0L }),
                N("Unsqueeze", ["b", "axes"], "b1"),
                N("Concat", ["b1", "minus1"], "shape", new() { ["axis"] = 0L }),
                N("Reshape", ["r", "shape"], "f"),
                N("Sigmoid", ["r"], "unread"),
                N("Gemm", ["f", "fc.w", "fc.b"], "logits", new() { ["transB"] = 1L }),
            ],
            Initializers = new()
            {
                ["conv.w"] = Tensor.FromFloats(Random(4 * 9), 4, 1, 3, 3), ["conv.b"] = Tensor.FromFloats(Random(4), 4),
                ["zero"] = Tensor.ScalarLong(0), ["axes"] = Tensor.FromLongs(DataType.Int64, [0], 1),
                ["minus1"] = Tensor.FromLongs(DataType.Int64, [-1], 1),
                ["fc.w"] = Tensor.FromFloats(Random(3 * 4 * 36), 3, 4 * 36), ["fc.b"] = Tensor.FromFloats(Random(3), 3),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 1, 6, 6])],
            Outputs = [new ValueInfo("logits", DataType.Float, [-1, 3])],
            Opsets = new() { [""] = 13 },
        };
        var data = new EvaluationSet(Tensor.FromFloats(Random(4 * 36), 4, 1, 6, 6), [0, 1, 2, 0]);
        var options = new RunnerOptions { Threads = 1, ImageChunk = 4, ConeChunk = 4 };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated);
        var faults = new List<PlannedFault>();
        foreach (int bit in new[] { 22, 30, 31 })
        {
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Activation, "c", 14, bit, FaultModel.Flip)));
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Activation, "r", 50, bit, FaultModel.Flip)));
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Weight, "conv.w", 7, bit, FaultModel.Flip)));
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Weight, "conv.b", 2, bit, FaultModel.Flip)));
        }
        foreach (var f in faults) RunnerFixtures.AssertSameLogits(plain, fast, f.Fault, data.Count);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }

    // count faults over sites spread evenly through the model (first, last and between), each at a seeded element,
    // with bits that reach far (the exponent's top bit, the sign, a high exponent bit) and one that often does not
    // (the mantissa's top bit); every third a stuck-at-1 instead of a flip.
    private static IEnumerable<Fault> Spread(IReadOnlyList<FaultSite> sites, string name, int count)
    {
        if (sites.Count == 0) yield break;
        int[] bits = [30, 31, 22, 27, 30];
        var rng = new System.Random(StableHash(name));
        for (int i = 0; i < count; i++)
        {
            var site = sites[count == 1 ? 0 : (int)((long)i * (sites.Count - 1) / (count - 1))];
            long element = rng.NextInt64(site.Elements);
            yield return new Fault(site.Target, site.Tensor, element, bits[i % bits.Length], i % 3 == 2 ? FaultModel.Stuck1 : FaultModel.Flip);
        }
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s) h = h * 31 + c;
        return h;
    }
}

/// <summary>Reports the theory skipped, with the reason, when the real models are not there and cannot be made here.</summary>
public sealed class RealModelsTheoryAttribute : TheoryAttribute
{
    public RealModelsTheoryAttribute()
    {
        if (RealModels.CannotMake() is { } why) Skip = why;
    }
}

/// <summary>The exported models of both scripts: made once per test run (only the missing ones), then loaded.</summary>
internal static class RealModels
{
    public const string Python = "/usr/bin/python3";

    // Those of make_torchvision.py (shared with Neutron.Engine.Tests' TorchvisionTests, same folder).
    public static readonly string[] Torchvision =
        ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "densenet121", "efficientnet_b0", "squeezenet1_1",
         "shufflenet_v2_x1_0", "shufflenet_v2_x0_5", "googlenet"];

    // Those of make_torch_forms.py.
    public static readonly string[] Forms =
        ["mnv3style_o9_constants", "mnv3style_o11_inputs", "mnv3style_o13_unfolded", "mnv3style_o17_hardswish_constants",
         "mobilenet_v3_small_o9_unfolded", "shufflenet_v2_x0_5_o11_constants", "shufflenet_v2_x0_5_o17_unfolded",
         "efficientnet_b0_o11_constants"];

    private static readonly string Cache = Path.Combine(RepositoryRoot(), "tests", "data", ".cache");
    private static readonly string TorchvisionFolder = Path.Combine(Cache, "torchvision");
    private static readonly string FormsFolder = Path.Combine(Cache, "torch-forms");

    private static readonly Lazy<bool> Made = new(Make);

    /// <summary>null when the models are there or can be exported here; otherwise why not (checked without running python).</summary>
    public static string? CannotMake()
    {
        if (Missing(TorchvisionFolder, Torchvision).Length == 0 && Missing(FormsFolder, Forms).Length == 0) return null;
        if (!File.Exists(Python)) return $"{Python} not found: install Debian's python3-torch and python3-torchvision to export the models";
        foreach (var package in new[] { "torch", "torchvision" })
            if (!Directory.Exists(Path.Combine("/usr/lib/python3/dist-packages", package)))
                return $"Debian's python3-{package} is not installed: the models cannot be exported";
        return null;
    }

    public static (Model Model, EvaluationSet Data) Load(string name)
    {
        _ = Made.Value;
        string folder = Torchvision.Contains(name) ? TorchvisionFolder : FormsFolder;
        var model = OnnxReader.Load(Path.Combine(folder, name + ".onnx"));
        var x = CenterCrop(Npy.Load(Path.Combine(folder, name + "_x.npy")), MaxSide);
        // The export declares its image size; the cropped images need their own.
        for (int i = 0; i < model.Inputs.Count; i++)
            if (model.Inputs[i].Shape is { Length: 4 } declared && declared[2] > MaxSide)
                model.Inputs[i] = model.Inputs[i] with { Shape = [declared[0], declared[1], x.Shape[2], x.Shape[3]] };
        var logits = Npy.Load(Path.Combine(folder, name + "_y.npy"));
        // Torch's top-1 as the labels (of the uncropped images): the outcomes compared hold changed predictions
        // and faulty-correct counts, so labels that are often right make the comparison count more.
        int rows = logits.Shape[0], classes = logits.Shape[1];
        var labels = Enumerable.Range(0, rows).Select(r => (long)TopK.ArgMax(logits.Floats.Slice(r * classes, classes))).ToArray();
        return (model, new EvaluationSet(x, labels, rows));
    }

    // ResNet-18's 224² images (kept for the engine's speed figure) would make it most of the test's time, chiefly
    // building the bounds; every model here ends in adaptive pooling, so a central crop runs the same layers.
    private const int MaxSide = 112;

    private static Tensor CenterCrop(Tensor x, int side)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (h <= side && w <= side) return x;
        int top = (h - side) / 2, left = (w - side) / 2;
        var cropped = new float[n * c * side * side];
        for (int plane = 0; plane < n * c; plane++)
        for (int y = 0; y < side; y++)
            x.Floats.Slice((plane * h + top + y) * w + left, side).CopyTo(cropped.AsSpan((plane * side + y) * side, side));
        return Tensor.FromFloats(cropped, n, c, side, side);
    }

    private static string[] Missing(string folder, string[] names) => names.Where(m => !File.Exists(Path.Combine(folder, m + "_y.npy"))).ToArray();

    private static bool Make()
    {
        foreach (var (script, folder, names) in new[] { ("make_torchvision.py", TorchvisionFolder, Torchvision), ("make_torch_forms.py", FormsFolder, Forms) })
        {
            var missing = Missing(folder, names);
            if (missing.Length == 0) continue;
            string path = Path.Combine(RepositoryRoot(), "tests", "data", script);
            var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { path, folder }.Concat(missing)) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{script} did not finish in 20 minutes");
            }
            // Torch is there (CannotMake said so), so a failing export is a failure, not a skip.
            if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
        return true;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Neutron.slnx) not found above the test binaries");
    }
}
