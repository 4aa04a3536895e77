// `neutron protect` end to end on PredictCommandTests' hand-made campaign over LeNet-5's conv1 (156 fp32 parameters):
// ECC on all, on the measured or predicted Critical Parameters, and on some bit positions; and its refusals.
using System.Text.Json;

namespace Neutron.Cli.Tests.Commands;

public class ProtectCommandTests
{
    static JsonElement Json(params string[] args)
    {
        var r = CliHarness.Run(["protect", .. args, "--json"]);
        Assert.True(r.Code == 0, r.Err);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    [Fact]
    public void Protect_prices_each_scheme()
    {
        using var dir = new TempDir();
        string db = PredictCommandTests.MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var all = Json("--db", db, "--scheme", "ecc-all");
        Assert.Equal(("ecc-all", 18.75, 0.0, 0.0), (all.GetProperty("scheme").GetString(), all.GetProperty("memory_overhead_pct").GetDouble(),
            all.GetProperty("compute_overhead_pct").GetDouble(), all.GetProperty("gain_vs_ecc_all_pct").GetDouble()));
        Assert.Equal(156, all.GetProperty("parameters").GetInt32());

        // Measured: the parameters with an injected flip of bit 30 or 31 (drop 5 pp > 1).
        using (var store = Neutron.Results.Store.SqliteCampaignStore.Open(db, create: false))
        {
            long expected = store.Faults(1).Select(f => Neutron.Faults.Fault.Parse(f.Fault)).Where(f => f.Bit >= 30).Select(f => (f.Tensor, f.Index)).Distinct().Count();
            var measured = Json("--db", db, "--scheme", "ecc-critical");
            Assert.Equal(expected, measured.GetProperty("protected_parameters").GetInt64());
            Assert.Equal(3.125, measured.GetProperty("signature_pct").GetDouble(), 12);
            Assert.Equal(100.0 * expected * 6 / (156 * 32) + 3.125, measured.GetProperty("memory_overhead_pct").GetDouble(), 9);
        }
        Assert.Equal(0, Json("--db", db, "--scheme", "ecc-critical", "--tolerance", "5").GetProperty("protected_parameters").GetInt32());

        File.WriteAllLines(dir.File("p.csv"), ["fault,probability,critical", "weight:conv1.weight@0#30,0.9,1", "weight:conv1.weight@0#31,0.8,1", "weight:conv1.bias@2#30,0.6,1", "weight:conv1.bias@3#30,0.1,0"]);
        var predicted = Json("--db", db, "--scheme", "ecc-critical", "--predictions", dir.File("p.csv"), "--code", "sec-ded");
        Assert.Equal(2, predicted.GetProperty("protected_parameters").GetInt32());
        Assert.Equal(100.0 * 2 * 7 / (156 * 32) + 3.125, predicted.GetProperty("memory_overhead_pct").GetDouble(), 9);
        Assert.Equal(21.875, predicted.GetProperty("ecc_all_pct").GetDouble(), 12);

        var bits = Json("--db", db, "--scheme", "ecc-bits:30-23");
        Assert.Equal((12.5, 100 * (18.75 - 12.5) / 18.75), (bits.GetProperty("memory_overhead_pct").GetDouble(), bits.GetProperty("gain_vs_ecc_all_pct").GetDouble()));
        var text = CliHarness.Run("protect", "--db", db, "--scheme", "ecc-bits:30-30");
        Assert.Contains("memory overhead 6.250 %", text.Out);
    }

    [Fact]
    public void Protect_refuses_unknown_schemes_and_bad_predictions()
    {
        using var dir = new TempDir();
        string db = PredictCommandTests.MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var scheme = CliHarness.Run("protect", "--db", db, "--scheme", "tmr-everything");
        Assert.Equal(2, scheme.Code);
        Assert.Contains("hint: use ecc-all, ecc-critical, ecc-bits:HI-LO", scheme.Err);
        Assert.Equal(2, CliHarness.Run("protect", "--db", db, "--scheme", "ecc-bits:40-23").Code);

        File.WriteAllLines(dir.File("bad.csv"), ["fault,probability,critical", "weight:conv1.weight@0#30,high,1"]);
        var bad = CliHarness.Run("protect", "--db", db, "--scheme", "ecc-critical", "--predictions", dir.File("bad.csv"));
        Assert.Equal(3, bad.Code);
        Assert.Contains("line 2", bad.Err);
        File.WriteAllLines(dir.File("other.csv"), ["fault,probability,critical", "weight:fc1.weight@0#30,0.9,1"]);
        var other = CliHarness.Run("protect", "--db", db, "--scheme", "ecc-critical", "--predictions", dir.File("other.csv"));
        Assert.Equal(3, other.Code);
        Assert.Contains("not in the campaign's weight space", other.Err);
    }
}
