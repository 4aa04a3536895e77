// `campaign --plan importance:...` on torchvision models (tests/data/make_torchvision.py, seeded random weights):
// Clip in MobileNet-V2, HardSigmoid in MobileNet-V3, Sigmoid in EfficientNet-B0, Pad in DenseNet-121 and the channel
// shuffle's shape arithmetic, Transpose and Slice in ShuffleNet-V2 run an importance campaign on their two images
// (a model with an operator autodiff lacks is ImportanceCampaignTests'). The models are exported into
// tests/data/.cache/torchvision when missing (Debian's python3-torch); without torch the tests are skipped.
using System.Diagnostics;
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;
using Neutron.Tests.Shared;

namespace Neutron.Cli.Tests.Commands;

public class ImportanceTorchvisionTests
{
    const string NeedsTorch = "Debian's python3-torch and python3-torchvision (to export the torchvision models)";
    static readonly string Cache = Path.Combine(Root(), "tests", "data", ".cache", "torchvision");

    [TheoryRequiring(Python.Path, NeedsTorch, "torch,torchvision")]
    [InlineData("mobilenet_v2", "/features/features.1/*")]
    [InlineData("mobilenet_v3_small", "/features/features.1/*")]
    [InlineData("efficientnet_b0", "/features/features.1/*")]
    [InlineData("densenet121", "/features/denseblock1/denselayer1/*")]
    [InlineData("shufflenet_v2_x0_5", "/stage2/stage2.0/*")]
    public void Importance_campaign_runs_on_a_torchvision_model(string name, string layers)
    {
        using var dir = new TempDir();
        string data = Data(name, dir);
        var r = CliHarness.Run("campaign", Path.Combine(Cache, name + ".onnx"), "--data", data, "--layer", layers,
            "--plan", "importance:count=12", "--seed", "5", "--threads", "1", "--db", dir.File("imp.db"));
        Assert.True(r.Code == 0, r.Err);
        var csv = dir.File("imp.csv");
        Assert.Equal(0, CliHarness.Run("export", "--db", dir.File("imp.db"), "--csv", csv).Code);
        var rows = File.ReadAllLines(csv);
        Assert.EndsWith(",p,q", rows[0]);
        Assert.Equal(13, rows.Length);
        // Every drawn fault is a weight flip with a proposal probability; the layer filter held them to few tensors.
        var tensors = new HashSet<string>();
        foreach (var row in rows.Skip(1))
        {
            var cells = row.Split(',');
            Assert.StartsWith("weight:", cells[1]);
            tensors.Add(cells[1][..cells[1].IndexOf('@')]);
            Assert.True(double.Parse(cells[^1], System.Globalization.CultureInfo.InvariantCulture) > 0);
        }
        Assert.InRange(tensors.Count, 1, 8);
    }

    /// <summary>The model's two images with torch's top-1 as labels, as an npy data spec.</summary>
    static string Data(string name, TempDir dir)
    {
        Make(name);
        var logits = Npy.Load(Path.Combine(Cache, name + "_y.npy"));
        int rows = logits.Shape[0], classes = logits.Shape[1];
        var labels = new long[rows];
        for (int i = 0; i < rows; i++)
        {
            var row = logits.Floats.Slice(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            labels[i] = best;
        }
        Npy.Save(dir.File("y.npy"), Tensor.FromLongs(DataType.Int64, labels, rows));
        return "npy:" + Path.Combine(Cache, name + "_x.npy") + "," + dir.File("y.npy");
    }

    static readonly object Lock = new();

    static void Make(string name)
    {
        lock (Lock)
        {
            if (File.Exists(Path.Combine(Cache, name + "_y.npy"))) return;
            var info = new ProcessStartInfo(Python.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(Root(), "tests", "data", "make_torchvision.py"), Cache, name }) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            string err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"make_torchvision.py {name} failed: {err}");
        }
    }

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Neutron.slnx) not found above the test binaries");
    }
}
