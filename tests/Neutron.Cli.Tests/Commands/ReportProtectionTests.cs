// The report's prediction and protection sections end to end on the bundled LeNet-5: a small weight campaign,
// `predict` (Table II and every bit stored), `protect --scheme ecc-critical` from those predictions, the same
// campaign under it, and `report --protected`: Tables I–III, the criticality map and the Pareto front with both
// campaigns as measured points, their numbers equal to what the store and the protection file say.
using System.Globalization;
using Neutron.Protection.Protection;
using Neutron.Results.Store;

namespace Neutron.Cli.Tests.Commands;

public class ReportProtectionTests
{
    static readonly string Model = CliHarness.Samples("lenet5-fmnist.onnx");
    static readonly string Data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");

    static string[] Campaign(string db, params string[] more) =>
        ["campaign", Model, "--data", Data, "--images", "50", "--plan", "random:300", "--layer", "conv1", "--threads", "2", "--db", db, .. more];

    [Fact]
    public void Report_shows_tables_I_to_III_the_map_and_the_measured_pareto_front()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), prot = dir.File("prot.db"), bits = dir.File("bits.csv"), file = dir.File("ecc.json");
        Assert.Equal(0, CliHarness.Run(Campaign(plain)).Code);
        var r = CliHarness.Run("predict", "--db", plain, "--tolerance", "0.5", "--trees", "10", "--folds", "3", "--out", bits);
        Assert.True(r.Code == 0, r.Err);
        r = CliHarness.Run("protect", "--db", plain, "--scheme", "ecc-critical", "--predictions", bits, "--out", file);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(0, CliHarness.Run(Campaign(prot, "--protect", file)).Code);

        string html = dir.File("r.html"), export = dir.File("r_files");
        r = CliHarness.Run("report", "--db", plain, "-o", html, "--tolerance", "0.5", "--protected", prot, "--skip", "trust,sink-classes,scm");
        Assert.True(r.Code == 0, r.Err);
        string page = File.ReadAllText(html);
        foreach (var id in new[] { "table-1", "table-2", "table-3", "criticality-map", "pareto" }) Assert.Contains($"<section id=\"{id}\">", page);

        using var store = CampaignStore.Open(plain, create: false);
        long id2 = store.SingleCampaign();
        var set = Assert.Single(store.CriticalitySets(id2));
        Assert.Equal(156, set.Parameters); // conv1's weights and biases
        var table3 = File.ReadAllLines(Path.Combine(export, "table-3.csv"));
        Assert.Equal(2, table3.Length);
        var cells = table3[1].Split(',');
        Assert.Equal(("p > 0.5", set.CriticalParameters.ToString(CultureInfo.InvariantCulture)), (cells[2], cells[4])); // the cut the set was made at
        Assert.Equal(18.75, double.Parse(cells[6], CultureInfo.InvariantCulture));

        var plan = ProtectionPlan.Parse(File.ReadAllText(file));
        var pareto = File.ReadAllLines(Path.Combine(export, "pareto.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(["none", "ecc-critical"], pareto.Select(p => p[0]));
        Assert.Equal(plan.MemoryOverheadPct, double.Parse(pareto[1][2], CultureInfo.InvariantCulture), 9);
        Assert.True(double.Parse(pareto[1][5], CultureInfo.InvariantCulture) <= double.Parse(pareto[0][5], CultureInfo.InvariantCulture));

        var map = File.ReadAllLines(Path.Combine(export, "criticality-map.csv"));
        Assert.Equal(1 + 2 * 32, map.Length); // conv1.weight and conv1.bias, 32 bits each
        var missing = CliHarness.Run("report", "--db", plain, "-o", html, "--protected", dir.File("nope.db"));
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("--protected", missing.Err);
    }
}
