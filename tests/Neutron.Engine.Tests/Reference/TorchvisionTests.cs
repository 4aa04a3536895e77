// Real topologies: nine torchvision classifiers with seeded random weights, exported to ONNX (opset 13) by
// tests/data/make_torchvision.py with Debian's python3-torch, run by our engine and compared with torch's logits.
// The files live in tests/data/.cache/torchvision (outside git); the script runs once when they are missing.
// Twin of PyTorchAgreementTests (trained ../shared models); this one covers the op mix of large nets.
using System.Diagnostics;
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Xunit.Abstractions;

using Neutron.Tests.Shared;

namespace Neutron.Engine.Tests.Reference;

[Trait("Category", "Slow")]
public class TorchvisionTests(ITestOutputHelper output)
{
    // Logits may differ from torch's by this fraction of the largest |logit| (float32 sums taken in another order
    // through up to ~120 layers), and the top-1 class of every image must be the same.
    public const float RelativeTolerance = 1e-4f;

    public static TheoryData<string> Models => new(TorchvisionExport.Models);

    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [MemberData(nameof(Models))]
    public void Logits_match_torch(string model) => Check(model, optimized: false);

    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [MemberData(nameof(Models))]
    public void Optimised_graph_logits_match_torch(string model) => Check(model, optimized: true);

    // The exports hold no BatchNormalization to fold (torch folds it in eval mode) but DenseNet's, which stays: the
    // optimised graph (fused activations and residuals, channels-last chains) gives the stored graph's bits.
    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [MemberData(nameof(Models))]
    public void Optimised_graph_gives_the_stored_graphs_bits(string model)
    {
        Assert.Null(TorchvisionExport.Skip.Value);
        string folder = TorchvisionExport.Folder;
        var loaded = OnnxReader.Load(Path.Combine(folder, model + ".onnx"));
        var optimized = InferenceSession.Optimized(loaded);
        Assert.Equal(0, optimized.Optimization?.FoldedNormalizations ?? 0);
        var x = Npy.Load(Path.Combine(folder, model + "_x.npy"));
        var stored = new InferenceSession(loaded).Run(x);
        var fast = optimized.Run(x);
        output.WriteLine($"{model}: {optimized.Optimization?.ChannelsLast.Count ?? 0} values kept channels last, {optimized.Optimization?.WrittenIntoConcats.Count ?? 0} Conv outputs written into their Concat");
        Assert.Equal(stored.Shape, fast.Shape);
        for (int i = 0; i < stored.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(stored.Floats[i]) == BitConverter.SingleToInt32Bits(fast.Floats[i]),
                $"{model} logit {i}: stored {stored.Floats[i]}, optimised {fast.Floats[i]}");
    }

    private void Check(string model, bool optimized)
    {
        // Torch is there (the attribute skips otherwise): a failing export is a real failure.
        Assert.Null(TorchvisionExport.Skip.Value);
        string folder = TorchvisionExport.Folder;
        var loaded = OnnxReader.Load(Path.Combine(folder, model + ".onnx"));
        var session = optimized ? InferenceSession.Optimized(loaded) : new InferenceSession(loaded);
        var x = Npy.Load(Path.Combine(folder, model + "_x.npy"));
        var expected = Npy.Load(Path.Combine(folder, model + "_y.npy"));
        var y = session.Run(x);
        Assert.Equal(expected.Shape, y.Shape);

        float scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected.Floats[i]));
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(y.Floats[i] - expected.Floats[i]));
        int rows = y.Shape[0], cols = y.Shape[1];
        var top1 = new List<string>();
        for (int r = 0; r < rows; r++)
            top1.Add($"{ArgMax(expected.Floats.Slice(r * cols, cols))}/{ArgMax(y.Floats.Slice(r * cols, cols))}");
        output.WriteLine($"{model}{(optimized ? " (optimised graph)" : "")}: max |Δ| = {worst:g3}, max |logit| = {scale:g3}, relative {worst / scale:g3}; top-1 torch/ours {string.Join(" ", top1)}");

        Assert.True(worst <= RelativeTolerance * scale, $"{model}: max |Δ| = {worst} > {RelativeTolerance} × max |logit| {scale}");
        for (int r = 0; r < rows; r++)
            Assert.Equal(ArgMax(expected.Floats.Slice(r * cols, cols)), ArgMax(y.Floats.Slice(r * cols, cols)));

        // The batch axis is dynamic: the last image alone (a batch the export never saw) gives its row again.
        int image = x.Length / rows;
        var last = Tensor.FromFloats(x.Floats.Slice((rows - 1) * image, image).ToArray(), [1, .. x.Shape[1..]]);
        var alone = session.Run(last);
        Assert.Equal([1, cols], alone.Shape);
        float worstAlone = 0;
        for (int c = 0; c < cols; c++)
            worstAlone = Math.Max(worstAlone, Math.Abs(alone.Floats[c] - expected.Floats[(rows - 1) * cols + c]));
        Assert.True(worstAlone <= RelativeTolerance * scale, $"{model} at batch 1: max |Δ| = {worstAlone} > {RelativeTolerance} × {scale}");
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}

/// <summary>Makes the torchvision exports once per test run (only the missing models) and says why not if it cannot.</summary>
public static class TorchvisionExport
{
    public const string Python = "/usr/bin/python3";

    public static readonly string[] Models =
        ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "densenet121", "efficientnet_b0", "squeezenet1_1", "shufflenet_v2_x1_0", "shufflenet_v2_x0_5", "googlenet"];

    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "tests", "data", ".cache", "torchvision");

    /// <summary>null when every model's files are there (made now if needed); otherwise why the tests cannot run.</summary>
    public static readonly Lazy<string?> Skip = new(Prepare);

    private static string? Prepare()
    {
        var missing = Models.Where(m => !File.Exists(Path.Combine(Folder, m + "_y.npy"))).ToArray();
        if (missing.Length == 0) return null;
        if (!File.Exists(Python)) return $"{Python} not found; install Debian's python3-torch and python3-torchvision";
        var (code, _, _) = RunPython(["-c", "import torch, torchvision"], TimeSpan.FromMinutes(2));
        if (code != 0) return $"{Python} cannot import torch and torchvision; install Debian's python3-torch and python3-torchvision";
        string script = Path.Combine(RepositoryRoot(), "tests", "data", "make_torchvision.py");
        var (exit, stdout, stderr) = RunPython([script, Folder, .. missing], TimeSpan.FromMinutes(20));
        // Torch is there, so a failing export is a real failure, not a skip.
        if (exit != 0) throw new InvalidOperationException($"{script} failed (exit {exit}):\n{stdout}\n{stderr}");
        return null;
    }

    private static (int Code, string Stdout, string Stderr) RunPython(string[] args, TimeSpan limit)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Python} {string.Join(' ', args)} did not finish in {limit}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Neutron.slnx) not found above the test binaries");
    }
}
