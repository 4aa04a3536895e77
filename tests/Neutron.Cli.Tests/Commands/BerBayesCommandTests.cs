// neutron ber --precision: the JSON carries one curve per design with the posterior of every point and the FIT
// figure computed by its stated formula; an unknown layer or file in --design is one line and a hint.
using System.Text.Json;

namespace Neutron.Cli.Tests.Commands;

public class BerBayesCommandTests
{
    static readonly string Model = CliHarness.Samples("lenet5-fmnist.onnx");
    static readonly string Data = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");

    [Fact]
    public void Json_has_a_curve_per_design_and_the_fit_by_its_formula()
    {
        var r = CliHarness.Run("ber", Model, "--data", Data, "--images", "50", "--rates", "1e-5", "--precision", "1e-9", "--max-models", "40",
            "--samples", "40", "--sampler", "conditioned", "--design", "tmr:*", "--fit-per-mbit", "1000", "--exposure-hours", "100000", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var designs = doc.RootElement.GetProperty("designs").EnumerateArray().ToArray();
        Assert.Equal(["unprotected", "tmr:*"], designs.Select(d => d.GetProperty("name").GetString()));
        Assert.Equal(200, designs[1].GetProperty("memoryOverheadPct").GetDouble(), 9);
        var bare = designs[0].GetProperty("points")[0];
        Assert.Equal(40, bare.GetProperty("models").GetInt32());
        Assert.True(bare.GetProperty("failures").GetInt32() > 0, "BER 1e-5 on LeNet-5 fails now and then");
        Assert.Equal(0, designs[1].GetProperty("points")[0].GetProperty("failures").GetInt32());
        var fit = designs[0].GetProperty("fit");
        double rate = 1000.0 / (1 << 20) * 100000 / 1e9;
        Assert.Equal(rate, fit.GetProperty("rate").GetDouble(), 15);
        Assert.Equal(1e9 * fit.GetProperty("point").GetProperty("mean").GetDouble() / 100000, fit.GetProperty("fit").GetDouble(), 9);
        Assert.True(fit.GetProperty("lower").GetDouble() <= fit.GetProperty("fit").GetDouble() && fit.GetProperty("fit").GetDouble() <= fit.GetProperty("upper").GetDouble());
    }

    [Theory]
    [InlineData("tmr:nothing*", "no weight belongs to nothing*")]
    [InlineData("/nowhere/protection.json", "neither CODE:LAYERS nor a protection file")]
    public void A_bad_design_is_one_line_and_a_hint(string design, string expected)
    {
        var r = CliHarness.Run("ber", Model, "--data", Data, "--images", "10", "--precision", "0.5", "--design", design);
        Assert.Equal(2, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(expected, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }
}
