// The commands end to end, in-process: inspect/run/eval on the shared LeNet-5 and reference data, and the exit
// codes of DESIGN §7 (2 usage, 3 model/data) with their one-line message and hint.
using System.Text.Json;
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;

using Neutron.Tests.Shared;

namespace Neutron.Cli.Tests;

public class CommandTests
{
    private static readonly string Lenet5 = CliHarness.Shared("models", "lenet5.onnx");

    // The first n reference images and labels as .npy files in dir.
    private static (string X, string Y) ReferenceSlice(TempDir dir, int n)
    {
        var x = Npy.Load(CliHarness.Shared("reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(CliHarness.Shared("reference", "fmnist_test1000_y.npy"));
        int per = x.Length / x.Shape[0];
        Npy.Save(dir.File("x.npy"), Tensor.FromFloats(x.Floats[..(n * per)].ToArray(), n, 1, 28, 28));
        Npy.Save(dir.File("y.npy"), Tensor.FromLongs(DataType.Int64, y.Longs[..n].ToArray(), n));
        return (dir.File("x.npy"), dir.File("y.npy"));
    }

    [Fact]
    public void Inspect_counts_parameters_and_fault_sites()
    {
        var r = CliHarness.Run("inspect", Lenet5);
        Assert.Equal(0, r.Code);
        Assert.Contains("input float32[N,1,28,28]", r.Out);
        Assert.Contains("conv1.weight", r.Out);
        Assert.Contains("61,706 -> 1,974,592 weight fault sites", r.Out);
        // conv1 (pad 2) 6×28×28 ×2 (Conv, Relu) + pool 6×14×14 + conv2 16×10×10 ×2 + 400 ×2 + 120 ×2 + 84 ×2 + 10
        Assert.Contains("15,002 per image", r.Out);
    }

    [Fact]
    public void Inspect_json_and_values()
    {
        var r = CliHarness.Run("inspect", Lenet5, "--json", "--values");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(61706 * 32L, root.GetProperty("weight_fault_sites").GetInt64());
        Assert.Equal(15002 * 32L, root.GetProperty("activation_fault_sites").GetInt64());
        Assert.Equal(10, root.GetProperty("layers").GetArrayLength());
        Assert.Equal(3, root.GetProperty("operators").GetProperty("Gemm").GetInt32());
        var values = root.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        Assert.Contains("/conv1/Conv_output_0", values);
        Assert.Contains("logits", values);
    }

    [Fact]
    public void Run_writes_outputs_and_values_that_match_pytorch()
    {
        using var dir = new TempDir();
        var (x, _) = ReferenceSlice(dir, 4);
        string outDir = dir.File("out");
        var r = CliHarness.Run("run", Lenet5, "--input", x, "--out", outDir, "--values", "/conv1/Conv_output_0,/Relu_output_0");
        Assert.Equal(0, r.Code);
        var logits = Npy.Load(Path.Combine(outDir, "logits.npy"));
        var expected = Npy.Load(CliHarness.Shared("reference", "lenet5_logits.npy"));
        Assert.Equal([4, 10], logits.Shape);
        for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(logits.Floats[i] - expected.Floats[i]) <= 1e-4f, $"logit {i}");
        Assert.Equal([4, 6, 28, 28], Npy.Load(Path.Combine(outDir, "_conv1_Conv_output_0.npy")).Shape);
        Assert.True(File.Exists(Path.Combine(outDir, "_Relu_output_0.npy")));

        var named = CliHarness.Run("run", Lenet5, "--input", $"input={x}", "-o", dir.File("out2"));
        Assert.Equal(0, named.Code);
        Assert.True(File.Exists(Path.Combine(dir.File("out2"), "logits.npy")));
    }

    [Fact]
    public void Eval_on_npy_matches_top1_of_the_pytorch_logits()
    {
        using var dir = new TempDir();
        const int n = 64;
        var (x, y) = ReferenceSlice(dir, n);
        var logits = Npy.Load(CliHarness.Shared("reference", "lenet5_logits.npy"));
        var labels = Npy.Load(CliHarness.Shared("reference", "fmnist_test1000_y.npy"));
        int top1 = 0, top5 = 0;
        for (int i = 0; i < n; i++)
        {
            int rank = TopK.Rank(logits.Floats.Slice(i * 10, 10), (int)labels.Longs[i]);
            if (rank == 0) top1++;
            if (rank < 5) top5++;
        }
        var r = CliHarness.Run("eval", Lenet5, "--data", $"npy:{x},{y}", "--batch", "25", "--json");
        Assert.Equal(0, r.Code);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(n, root.GetProperty("images").GetInt32());
        Assert.Equal((double)top1 / n, root.GetProperty("top1").GetDouble());
        Assert.Equal((double)top5 / n, root.GetProperty("top5").GetDouble());
        Assert.True(root.GetProperty("images_per_s").GetDouble() > 0);

        var text = CliHarness.Run("eval", Lenet5, "--data", $"npy:{x},{y}", "--limit", "20");
        Assert.Equal(0, text.Code);
        Assert.Contains("(20 images)", text.Out);
        Assert.Contains("top-1", text.Out);
    }

    // Two threads share a batch of 16 as groups of eight (LeNet-5 keeps its images apart); one thread runs it whole.
    [Fact]
    public void Bench_inference_reports_its_image_groups()
    {
        var grouped = CliHarness.Run("bench", "inference", Lenet5, "--batch", "16", "--seconds", "0.2", "--threads", "2", "--json");
        Assert.Equal(0, grouped.Code);
        using (var doc = JsonDocument.Parse(grouped.Out))
        {
            Assert.Equal(8, doc.RootElement.GetProperty("group").GetInt32());
            Assert.True(doc.RootElement.GetProperty("images_per_s").GetDouble() > 0);
        }
        var whole = CliHarness.Run("bench", "inference", Lenet5, "--batch", "16", "--seconds", "0.2", "--threads", "1", "--json");
        Assert.Equal(0, whole.Code);
        using (var doc = JsonDocument.Parse(whole.Out))
            Assert.Equal(0, doc.RootElement.GetProperty("group").GetInt32());
        var text = CliHarness.Run("bench", "inference", Lenet5, "--batch", "16", "--seconds", "0.2", "--threads", "2");
        Assert.Equal(0, text.Code);
        Assert.Contains("each thread its images in groups of up to 8", text.Out);
    }

    [FactRequiringFile("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "Debian's dataset-fashion-mnist")]
    public void Eval_on_fashion_mnist_idx_uses_the_reference_normalisation()
    {
        var r = CliHarness.Run("eval", Lenet5, "--data", "idx:/usr/share/datasets/fashion-mnist/t10k", "--limit", "64", "--json");
        Assert.Equal(0, r.Code);
        var logits = Npy.Load(CliHarness.Shared("reference", "lenet5_logits.npy"));
        var labels = Npy.Load(CliHarness.Shared("reference", "fmnist_test1000_y.npy"));
        int top1 = Enumerable.Range(0, 64).Count(i => TopK.ArgMax(logits.Floats.Slice(i * 10, 10)) == labels.Longs[i]);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(top1 / 64.0, doc.RootElement.GetProperty("top1").GetDouble());
    }

    /// <summary>Every command and subcommand the program has, as the words that invoke it.</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        void Walk(System.CommandLine.Command c, string prefix)
        {
            foreach (var sub in c.Subcommands)
            {
                string path = (prefix + " " + sub.Name).Trim();
                data.Add(path);
                Walk(sub, path);
            }
        }
        Walk(Program.Root(), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_help(string command)
    {
        var r = CliHarness.Run([.. command.Split(' '), "--help"]);
        Assert.Equal(0, r.Code);
        Assert.Contains("Usage:", r.Out);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void Root_help_lists_the_commands()
    {
        var r = CliHarness.Run("--help");
        Assert.Equal(0, r.Code);
        foreach (var c in Program.Root().Subcommands) Assert.Contains(c.Name, r.Out);
    }
}
