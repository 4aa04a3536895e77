// End-to-end through Program's command tree: `neutron trust` and `neutron report` on a small stored campaign.
using System.CommandLine;
using System.Text.Json;
using Neutron.Analysis.Campaign;
using Neutron.Cli.Commands;
using Neutron.Results.Store;

namespace Neutron.Cli.Tests.Commands;

public class ReportTrustCommandTests
{
    private static string MakeDb()
    {
        // 3 classes, 6 images; layer conv1's faults push images to class 2.
        int[] labels = [0, 0, 1, 1, 2, 2], golden = [0, 0, 1, 1, 2, 0];
        string dir = Directory.CreateTempSubdirectory("neutron-cli-").FullName;
        string path = Path.Combine(dir, "c.db");
        using var store = SqliteCampaignStore.Open(path, create: true);
        long id = store.CreateCampaign(new CampaignSettings
        {
            ToolVersion = "test", ModelPath = "/nonexistent.onnx", ModelSha256 = "00", DataSpec = "npy:x,y", Images = 6, Format = "fp32",
            Target = "weights", FaultModel = "flip", Sites = Neutron.Faults.Sites.SiteFilter.All, Planner = "exhaustive", Seed = 1, KernelSet = "scalar", PlanSize = 4,
        }, [(0, "weight:conv1.weight@0#30"), (1, "weight:conv1.weight@1#30"), (2, "weight:fc.weight@0#3"), (3, "weight:fc.weight@0#30")]);
        store.WriteGolden(id, Enumerable.Range(0, 6).Select(i => new GoldenPrediction(i, labels[i], golden[i])).ToArray());
        store.WriteBatch(id,
        [
            new StoredOutcome(0, 6, 5, 3, 2, 0, [(0, 2), (2, 2)]),
            new StoredOutcome(1, 6, 5, 4, 1, 0, [(1, 2)]),
            new StoredOutcome(2, 6, 5, 5, 0, 0, []),
            new StoredOutcome(3, 6, 5, 6, 1, 0, [(5, 2)]),
        ]);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { ReportCommand.Create(), TrustCommand.Create(), BerCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var o = new StringWriter();
        using var e = new StringWriter();
        Console.SetOut(o);
        Console.SetError(e);
        try { return (CliRunner.Invoke(root, args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Fact]
    public void TrustPrintsJsonPerClass()
    {
        var (code, output, err) = Run("trust", "--db", MakeDb(), "--fault-probability", "0.25", "--json");
        Assert.True(code == 0, err);
        var doc = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0.25, doc.GetProperty("faultProbability").GetDouble());
        var classes = doc.GetProperty("classes").EnumerateArray().ToArray();
        Assert.Equal(3, classes.Length);
        // Faults send images to class 2, so trusting an output of 2 gets worse with faults.
        Assert.True(classes[2].GetProperty("trust").GetDouble() < classes[2].GetProperty("trust_fault_free").GetDouble());
        Assert.Equal(2, doc.GetProperty("layers").GetArrayLength());
    }

    [Fact]
    public void BadProbabilityAndMissingDatabaseAreUserErrors()
    {
        var (code, _, err) = Run("trust", "--db", MakeDb(), "--fault-probability", "1.5");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("hint:", err);
        var (code2, _, err2) = Run("report", "--db", "/nonexistent/x.db", "-o", "/tmp/x.html");
        Assert.Equal(ExitCodes.Storage, code2);
        Assert.Contains("does not exist", err2);
    }

    [Fact]
    public void ReportWritesHtmlAndExportsWithTaxonomyErrorsNamed()
    {
        string db = MakeDb();
        string dir = Path.GetDirectoryName(db)!;
        string html = Path.Combine(dir, "r.html");
        var (code, _, err) = Run("report", "--db", db, "-o", html);
        Assert.True(code == 0, err);
        Assert.Contains("<svg class=\"chart\"", File.ReadAllText(html));
        Assert.True(File.Exists(Path.Combine(dir, "r_files", "per-layer.csv")));

        string tax = Path.Combine(dir, "t.yaml");
        File.WriteAllText(tax, "classes: [a, b, c]\nsupergroups:\n  s:\n    safety_critical: true\n    groups:\n      g: [a, b]\n");
        var (code2, _, err2) = Run("report", "--db", db, "-o", html, "--taxonomy", tax);
        Assert.Equal(ExitCodes.ModelOrData, code2);
        Assert.Contains("class 'c' is missing", err2);
    }
}
