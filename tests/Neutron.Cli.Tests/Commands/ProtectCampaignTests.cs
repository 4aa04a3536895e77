// Verification by injection end to end on the bundled LeNet-5: a small campaign, `protect --scheme ecc-critical --out`
// from its measured flips, and the same campaign under `--protect`: every covered fault is stored corrected with no
// effect, the residual critical count is at most the unprotected one, a different protection is a different campaign
// and resume applies the stored one. Also TMR/DMR costs and the refusals of a bad or foreign protection file.
using System.Text.Json;
using Neutron.Protection.Protection;
using Neutron.Results.Store;

namespace Neutron.Cli.Tests.Commands;

public class ProtectCampaignTests
{
    static readonly string Model = CliHarness.Samples("lenet5-fmnist.onnx");
    static readonly string Data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");

    static string[] Campaign(string db, params string[] more) =>
        ["campaign", Model, "--data", Data, "--images", "100", "--plan", "random:150", "--bits", "23-31", "--threads", "2", "--db", db, .. more];

    static List<(string Fault, double Drop, long Protection)> Outcomes(string db)
    {
        using var store = SqliteCampaignStore.Open(db, create: false);
        long id = store.SingleCampaign();
        var verdicts = store.ProtectedOutcomes(id);
        return store.Outcomes(id).Select(o => (o.Fault, o.Drop, (long)verdicts.GetValueOrDefault(o.FaultIndex))).ToList();
    }

    [Fact]
    public void A_campaign_under_ecc_critical_has_no_effect_where_it_protects_and_no_more_critical_faults()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), prot = dir.File("prot.db"), file = dir.File("ecc.json");
        var r = CliHarness.Run(Campaign(plain));
        Assert.True(r.Code == 0, r.Err);
        r = CliHarness.Run("protect", "--db", plain, "--scheme", "ecc-critical", "--tolerance", "0.5", "--out", file);
        Assert.True(r.Code == 0, r.Err);
        var plan = ProtectionPlan.Parse(File.ReadAllText(file));
        Assert.Equal(("ecc-critical", ProtectionPlan.Sec), (plan.Scheme, plan.Code));
        Assert.NotEmpty(plan.Protected);

        r = CliHarness.Run(Campaign(prot, "--protect", file));
        Assert.True(r.Code == 0, r.Err);
        var before = Outcomes(plain).ToDictionary(o => o.Fault);
        var after = Outcomes(prot);
        Assert.Equal(before.Count, after.Count);
        int covered = 0;
        foreach (var (fault, drop, verdict) in after)
        {
            bool protects = plan.Decide(Neutron.Faults.Fault.Parse(fault)).Verdict == ProtectionVerdict.Corrected;
            Assert.Equal(protects ? 1 : 0, verdict);
            if (protects) { covered++; Assert.Equal(0, drop); }
            else Assert.Equal(before[fault].Drop, drop);
        }
        Assert.True(covered > 0);
        int criticalBefore = before.Values.Count(o => o.Drop > 0.5), criticalAfter = after.Count(o => o.Drop > 0.5);
        Assert.True(criticalBefore > 0, "the unprotected campaign has no critical fault to remove");
        Assert.InRange(criticalAfter, 0, criticalBefore);
        Assert.Equal(0, criticalAfter); // every measured critical parameter is coded, and these are single flips

        var summary = CliHarness.Run("summary", "--db", prot, "--json");
        Assert.True(summary.Code == 0, summary.Err);
        var p = JsonDocument.Parse(summary.Out).RootElement.GetProperty("protection");
        Assert.Equal((covered, 0), (p.GetProperty("corrected_faults").GetInt32(), p.GetProperty("detected_faults").GetInt32()));
        Assert.Contains("corrected or outvoted", CliHarness.Run("summary", "--db", prot).Out);

        // Export adds the verdict column for a protected campaign; the report lists what the protection did.
        Assert.Equal(0, CliHarness.Run("export", "--db", prot, "--csv", dir.File("p.csv"), "--json", dir.File("p.json")).Code);
        var csv = File.ReadAllLines(dir.File("p.csv"));
        Assert.EndsWith(",drop,protection", csv[0]);
        Assert.Equal(covered, csv.Count(l => l.EndsWith(",corrected", StringComparison.Ordinal)));
        Assert.Equal(covered, JsonDocument.Parse(File.ReadAllText(dir.File("p.json"))).RootElement.GetProperty("faults").EnumerateArray()
            .Count(f => f.GetProperty("protection").GetString() == "corrected"));
        Assert.Equal(0, CliHarness.Run("export", "--db", plain, "--csv", dir.File("u.csv")).Code);
        Assert.EndsWith(",drop", File.ReadLines(dir.File("u.csv")).First());
        var report = CliHarness.Run("report", "--db", prot, "-o", dir.File("r.html"), "--skip", "trust,sink-classes,scm");
        Assert.True(report.Code == 0, report.Err);
        Assert.Contains("faults corrected or outvoted", File.ReadAllText(dir.File("r.html")));

        // The same command continues the campaign; without the protection (or with another) it is a different one.
        Assert.Equal(0, CliHarness.Run(Campaign(prot, "--protect", file)).Code);
        var other = CliHarness.Run(Campaign(prot));
        Assert.Equal(4, other.Code);
        Assert.Contains("protection", other.Err);
        Assert.Equal(0, CliHarness.Run("resume", "--db", prot).Code);
    }

    [Fact]
    public void Resume_applies_the_stored_protection()
    {
        using var dir = new TempDir();
        string plain = dir.File("plain.db"), prot = dir.File("prot.db"), file = dir.File("tmr.json");
        Assert.Equal(0, CliHarness.Run(Campaign(plain, "--layer", "conv1*")).Code);
        var r = CliHarness.Run("protect", "--db", plain, "--scheme", "dmr:conv1", "--out", file);
        Assert.True(r.Code == 0, r.Err);
        // A campaign recorded with its plan and protection but no outcome yet: resume decides every fault.
        using (var store = SqliteCampaignStore.Open(plain, create: false))
        {
            long id = store.SingleCampaign();
            var s = store.Settings(id) with { Protection = File.ReadAllText(file).Trim() };
            using var target = SqliteCampaignStore.Open(prot, create: true);
            long copy = target.CreateCampaign(s, store.Faults(id));
            target.WriteGolden(copy, store.Golden(id));
        }
        r = CliHarness.Run("resume", "--db", prot);
        Assert.True(r.Code == 0, r.Err);
        Assert.All(Outcomes(prot), o => Assert.Equal((0.0, 2L), (o.Drop, o.Protection)));
        var p = JsonDocument.Parse(CliHarness.Run("summary", "--db", prot, "--json").Out).RootElement.GetProperty("protection");
        Assert.Equal(150, p.GetProperty("detected_faults").GetInt32());
    }

    [Fact]
    public void Tmr_and_dmr_cost_their_layers_weights_and_macs()
    {
        using var dir = new TempDir();
        string db = dir.File("c.db");
        Assert.Equal(0, CliHarness.Run(Campaign(db)).Code);
        JsonElement Json(string scheme)
        {
            var r = CliHarness.Run("protect", "--db", db, "--scheme", scheme, "--json", "--out", dir.File("p.json"));
            Assert.True(r.Code == 0, r.Err);
            return JsonDocument.Parse(r.Out).RootElement;
        }
        var tmr = Json("tmr:conv1");
        long parameters = tmr.GetProperty("parameters").GetInt64();
        Assert.Equal(156, tmr.GetProperty("protected_parameters").GetInt64()); // conv1: 6 × 1 × 5 × 5 weights + 6 biases
        Assert.Equal(200.0 * 156 / parameters, tmr.GetProperty("memory_overhead_pct").GetDouble(), 9);
        double compute = tmr.GetProperty("compute_overhead_pct").GetDouble();
        Assert.InRange(compute, 1, 200);
        var dmr = Json("dmr:conv1");
        Assert.Equal(100.0 * 156 / parameters, dmr.GetProperty("memory_overhead_pct").GetDouble(), 9);
        Assert.Equal(compute / 2, dmr.GetProperty("compute_overhead_pct").GetDouble(), 9);
        Assert.Equal(ProtectionPlan.Dmr, ProtectionPlan.Parse(File.ReadAllText(dir.File("p.json"))).Code);
        // Every layer under TMR: 200 % of the weights and of the MACs.
        var everything = Json("tmr:*");
        Assert.Equal((200.0, 200.0), (Math.Round(everything.GetProperty("memory_overhead_pct").GetDouble(), 9), Math.Round(everything.GetProperty("compute_overhead_pct").GetDouble(), 9)));
        var none = CliHarness.Run("protect", "--db", db, "--scheme", "tmr:nothing");
        Assert.Equal(2, none.Code);
        Assert.Contains("hint:", none.Err);
    }

    [Fact]
    public void Bad_or_foreign_protection_files_are_refused()
    {
        using var dir = new TempDir();
        string db = dir.File("c.db");
        var missing = CliHarness.Run(Campaign(db, "--protect", dir.File("none.json")));
        Assert.Equal(3, missing.Code);
        File.WriteAllText(dir.File("bad.json"), "{ not json");
        var bad = CliHarness.Run(Campaign(db, "--protect", dir.File("bad.json")));
        Assert.Equal(3, bad.Code);
        Assert.Contains("hint:", bad.Err);
        File.WriteAllText(dir.File("foreign.json"), new ProtectionPlan { Scheme = "ecc-all", Code = "sec", ModelSha256 = new string('0', 64), Protected = [] }.ToJson());
        var foreign = CliHarness.Run(Campaign(db, "--protect", dir.File("foreign.json")));
        Assert.Equal(3, foreign.Code);
        Assert.Contains("SHA-256", foreign.Err);
        Assert.False(File.Exists(db));
    }
}
