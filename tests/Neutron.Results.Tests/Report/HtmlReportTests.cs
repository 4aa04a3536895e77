using System.Text.RegularExpressions;
using Neutron.Analysis.Taxonomy;
using Neutron.Results.Report;

namespace Neutron.Results.Tests.Report;

public class HtmlReportTests
{
    internal static string TaxonomyPath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../samples/taxonomy-fashion-mnist.yaml"));

    internal static (string Html, IReadOnlyList<string> Exports) WriteFull(string dir)
    {
        var campaign = SyntheticCampaign.Make();
        campaign = new Neutron.Analysis.Campaign.CampaignData(campaign.ClassCount, campaign.Labels, campaign.GoldenTop1, campaign.Faults, campaign.Settings)
        {
            ClassNames = campaign.ClassNames, CoversWeightMemory = true, StoredWeightBits = 1_974_592,
        };
        var input = new ReportInput(campaign)
        {
            Taxonomy = ClassTaxonomy.Load(TaxonomyPath()), Ber = SyntheticCampaign.Ber(), CriticalTarget = 0.01, FitPerMbit = 1000,
        };
        string html = Path.Combine(dir, "report.html");
        var exports = HtmlReport.Write(input, html);
        return (html, exports);
    }

    [Fact]
    public void SkippedSectionsAreLeftOut()
    {
        var input = new ReportInput(SyntheticCampaign.Make()) { Skip = new HashSet<string> { "trust", "sink-classes" } };
        var ids = ReportSections.Build(input).Select(s => s.Id).ToArray();
        Assert.DoesNotContain("trust", ids);
        Assert.DoesNotContain("sink-classes", ids);
        Assert.Contains("per-bit", ids);
    }

    [Fact]
    public void ReportIsSelfContainedAndEveryChartIsExported()
    {
        using var temp = new TempDirectory();
        string dir = temp.Path;
        var (htmlPath, exports) = WriteFull(dir);
        string html = File.ReadAllText(htmlPath);
        // No script, no stylesheet or font or image fetched from anywhere; only the SVG namespace URI may appear.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Regex.Matches(html, "(src|href)=\"(https?:)?//", RegexOptions.IgnoreCase));

        var charts = Regex.Matches(html, "data-chart=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["per-layer", "per-bit", "drop-histogram", "critical-vs-tolerance", "sink-classes", "trust", "ber-curve"], charts);
        foreach (var chart in charts)
        {
            Assert.Contains(Path.Combine(dir, "report_files", chart + ".csv"), exports);
            Assert.Contains(Path.Combine(dir, "report_files", chart + ".json"), exports);
        }
        Assert.Contains(Path.Combine(dir, "report_files", "scm.csv"), exports);
        Assert.Contains("Safety-critical misclassification", html);
        // The first screen states the verdict against the targets given, FIT included, with readable column names.
        Assert.True(html.IndexOf("<h2>Verdict</h2>", StringComparison.Ordinal) < html.IndexOf("<h2>Campaign summary", StringComparison.Ordinal));
        Assert.Contains("critical FIT (95 % upper bound)", html);
        Assert.Contains("target &lt; 10 FIT", html);
        Assert.Matches("class=\"badge (meets|fails|undecided)\"", html);
        Assert.Contains(">SDC-fault rate, 95 % lower<", html);
        var verdict = File.ReadAllLines(Path.Combine(dir, "report_files", "verdict.csv"));
        Assert.StartsWith("measure,value,lower_95,upper_95,target,verdict,meaning", verdict[0]);
        Assert.Contains(verdict, l => l.StartsWith("critical FIT,", StringComparison.Ordinal));

        // The critical curve falls with τ, and its CSV says so.
        var lines = File.ReadAllLines(Path.Combine(dir, "report_files", "critical-vs-tolerance.csv"));
        Assert.Equal("tolerance_pp,critical_faults,faults,fraction,lower,upper,estimator", lines[0]);
        var counts = lines.Skip(1).Select(l => int.Parse(l.Split(',')[1])).ToArray();
        Assert.Equal(20, counts.Length);
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.First >= p.Second));
        Assert.True(counts[0] > 0);

        // The synthetic conv2 sink shows up.
        Assert.Contains(File.ReadAllLines(Path.Combine(dir, "report_files", "sinks.csv")), l => l.StartsWith("conv2,Dress,", StringComparison.Ordinal));
    }

    [Fact]
    public void TablesExportAsCsvAndJson()
    {
        var t = new ChartTable("t", "T", "name", "value", "flag").Add("a,b", 0.25, true).Add("c", double.NaN, false);
        Assert.Equal("name,value,flag\n\"a,b\",0.25,True\nc,,False\n", t.ToCsv());
        var json = System.Text.Json.JsonDocument.Parse(t.ToJson()).RootElement.GetProperty("rows");
        Assert.Equal(0.25, json[0].GetProperty("value").GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json[1].GetProperty("value").ValueKind);
        Assert.Throws<ArgumentException>(() => t.Add("only one"));
    }
}
