// Turns a campaign (plus taxonomy, BER sweep) into the report's sections: each holds its chart or table as HTML
// and the ChartTables behind it. The numbers come from Neutron.Analysis (Statistics, Sinks, Taxonomy, Bayes);
// this file arranges them and computes nothing new beyond counting. HtmlReport.cs writes the page and the exports.
using System.Globalization;
using System.Net;
using System.Text;
using Neutron.Analysis.Bayes;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Sinks;
using Neutron.Analysis.Statistics;
using Neutron.Analysis.Taxonomy;

namespace Neutron.Results.Report;

public sealed record ReportSection(string Id, string Heading, string Intro, string Body, IReadOnlyList<ChartTable> Tables);

public static class ReportSections
{
    public static readonly double[] Tolerances = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10];

    /// <summary>Section ids in page order; `report --skip` takes these.</summary>
    public static readonly string[] Ids = ["verdict", "summary", "per-layer", "per-bit", "drop-histogram", "critical-vs-tolerance", "sink-classes", "scm", "trust", "ber-curve",
        "table-1", "table-2", "table-3", "criticality-map", "pareto"];

    public static IReadOnlyList<ReportSection> Build(ReportInput input)
    {
        var d = input.Campaign;
        var sections = new List<ReportSection>();
        void Add(string id, Func<ReportSection> build) { if (!input.Skip.Contains(id)) sections.Add(build()); }
        bool any = d.Faults.Count > 0;
        if (any) Add("verdict", () => ReportVerdict.Build(input));
        Add("summary", () => Summary(input));
        if (any)
        {
            Add("per-layer", () => Grouped(d, "per-layer", "Vulnerability per layer", "Layer", f => f.Layer, d.Layers(), input.Tolerance));
            var bits = d.Faults.Select(f => f.Bit).Distinct().OrderByDescending(b => b).ToArray();
            Add("per-bit", () => Grouped(d, "per-bit", "Vulnerability per bit", "Bit", f => f.Bit.ToString(CultureInfo.InvariantCulture),
                bits.Select(b => b.ToString(CultureInfo.InvariantCulture)).ToArray(), input.Tolerance));
            Add("drop-histogram", () => DropHistogram(d));
            Add("critical-vs-tolerance", () => CriticalCurve(d));
            Add("sink-classes", () => Sinks(d));
            if (input.Taxonomy is { } taxonomy) Add("scm", () => Scm(d, taxonomy));
            Add("trust", () => Trust(d, input.FaultProbability));
        }
        if (input.Ber is { } ber) Add("ber-curve", () => Ber(ber));
        if (any) Add("table-1", () => CriticalitySections.TableI(d));
        if (input.Criticality is { } c)
        {
            if (c.Scores.Count > 0) Add("table-2", () => CriticalitySections.TableII(c));
            if (c.Sets.Count > 0) Add("table-3", () => CriticalitySections.TableIII(c));
            if (c.Map is { } map) Add("criticality-map", () => CriticalitySections.Map(map));
            if (c.Points.Count > 1) Add("pareto", () => CriticalitySections.Pareto(c, input.Tolerance));
        }
        return sections;
    }

    private static ReportSection Summary(ReportInput input)
    {
        var d = input.Campaign;
        var t = new ChartTable("summary", "Campaign summary", "key", "value");
        var all = CampaignRates.Overall(d, input.Tolerance);
        t.Add("images", d.ImageCount).Add("classes", d.ClassCount).Add("golden accuracy", d.GoldenAccuracy)
         .Add("faults", d.Faults.Count).Add("faults with SDC", all.SdcFaults)
         .Add("SDC-fault rate", all.SdcRate).Add("SDC-fault rate 95% lower", all.SdcLower).Add("SDC-fault rate 95% upper", all.SdcUpper)
         .Add("per-inference SDC rate", all.InferenceSdcRate)
         .Add($"critical faults (drop > {Fmt(input.Tolerance)} pp)", all.CriticalFaults)
         .Add("critical-fault rate", all.CriticalRate)
         .Add("critical-fault rate 95% lower", all.CriticalLower).Add("critical-fault rate 95% upper", all.CriticalUpper)
         .Add("faults with non-finite logits", all.NonFiniteFaults)
         .Add("estimator", all.Estimator);
        if (double.IsFinite(all.EffectiveSize))
        {
            var search = CriticalSearch.Of(d, input.Tolerance);
            t.Add("effective sample size", all.EffectiveSize).Add("critical share of injected faults", search.Share)
             .Add("critical share, gain over uniform", search.Gain);
        }
        foreach (var (k, v) in d.Settings.OrderBy(p => p.Key, StringComparer.Ordinal)) t.Add(k, v);
        var body = new StringBuilder("<div class=\"cards\">");
        Card(body, "images", d.ImageCount.ToString("N0", CultureInfo.InvariantCulture));
        Card(body, "golden accuracy", Charts.Pct(d.GoldenAccuracy));
        Card(body, "faults injected", d.Faults.Count.ToString("N0", CultureInfo.InvariantCulture));
        Card(body, "SDC-fault rate (95 %)", $"{Charts.Pct(all.SdcRate)} <small>[{Charts.Pct(all.SdcLower)}, {Charts.Pct(all.SdcUpper)}]</small>");
        Card(body, $"critical (drop &gt; {Fmt(input.Tolerance)} pp)", $"{Charts.Pct(all.CriticalRate)} <small>[{Charts.Pct(all.CriticalLower)}, {Charts.Pct(all.CriticalUpper)}]</small>");
        Card(body, "per-inference SDC rate", Charts.Pct(all.InferenceSdcRate));
        body.Append("</div>");
        body.Append(HtmlTable(t, 60));
        return new ReportSection("summary", "Campaign summary and settings",
            "SDC-fault rate: the share of faults whose top-1 differs from golden on at least one image. Per-inference SDC rate: the share of (fault, image) inferences whose top-1 changed. Drop: golden accuracy − faulty accuracy, in percentage points. "
            + "Rates: " + WebUtility.HtmlEncode(CampaignRates.Describe(all.Estimator)) + ".",
            body.ToString(), [t]);
    }

    private static ReportSection Grouped(CampaignData d, string id, string heading, string key, Func<FaultRecord, string> keyOf,
        IReadOnlyList<string> order, double tolerance)
    {
        var t = new ChartTable(id, heading, key.ToLowerInvariant(), "faults", "sdc_faults", "sdc_rate", "sdc_lower", "sdc_upper",
            "critical_faults", "critical_rate", "critical_lower", "critical_upper", "mean_drop_pp", "estimator");
        foreach (var r in CampaignRates.By(d, keyOf, tolerance, order))
            t.Add(r.Key, r.Faults, r.SdcFaults, r.SdcRate, r.SdcLower, r.SdcUpper, r.CriticalFaults, r.CriticalRate, r.CriticalLower, r.CriticalUpper, r.MeanDropPp, r.Estimator);
        string svg = Charts.IntervalBars(id, $"SDC-fault rate per {key.ToLowerInvariant()} (95 % interval)", "faults causing at least one SDC",
            t.Rows.Select(r => (string)r[0]!).ToArray(), t.Rows.Select(r => (double)r[3]!).ToArray(),
            t.Rows.Select(r => (double)r[4]!).ToArray(), t.Rows.Select(r => (double)r[5]!).ToArray());
        return new ReportSection(id, heading, $"Bars: SDC-fault rate (faults with at least one SDC); whiskers: 95 % intervals. The table adds critical faults (drop &gt; {Fmt(tolerance)} pp). "
            + "Rows inside one stratum are uniform samples (Wilson); rows spanning strata are weighted by stratum size (estimator = stratified); rows of an importance plan are weighted by p/q (estimator = importance-sn, self-normalised).",
            svg + HtmlTable(t, 40), [t]);
    }

    private static readonly (double Low, double High, string Label)[] DropBins =
    [
        (double.NegativeInfinity, 0, "≤ 0"), (0, 0.5, "0–0.5"), (0.5, 1, "0.5–1"), (1, 2, "1–2"), (2, 5, "2–5"),
        (5, 10, "5–10"), (10, 20, "10–20"), (20, 50, "20–50"), (50, double.PositiveInfinity, "> 50"),
    ];

    private static ReportSection DropHistogram(CampaignData d)
    {
        var t = new ChartTable("drop-histogram", "Accuracy drop per fault", "bin_pp", "low_pp_exclusive", "high_pp_inclusive", "faults");
        foreach (var (low, high, label) in DropBins)
            t.Add(label, double.IsFinite(low) ? low : double.NaN, double.IsFinite(high) ? high : double.NaN, d.Faults.Count(f => d.Drop(f) > low && d.Drop(f) <= high));
        string svg = Charts.CategoryBars("drop-histogram", "Faults by accuracy drop", "accuracy drop (percentage points)", "faults",
            t.Rows.Select(r => (string)r[0]!).ToArray(), t.Rows.Select(r => (double)(int)r[3]!).ToArray());
        return new ReportSection("drop-histogram", "Accuracy-drop histogram", "Most single faults do nothing; the tail is what protection must cover.", svg, [t]);
    }

    private static ReportSection CriticalCurve(CampaignData d)
    {
        var t = new ChartTable("critical-vs-tolerance", "Critical fraction against tolerance", "tolerance_pp", "critical_faults", "faults", "fraction", "lower", "upper", "estimator");
        foreach (double tau in Tolerances)
        {
            var r = CampaignRates.Overall(d, tau);
            t.Add(tau, r.CriticalFaults, r.Faults, r.CriticalRate, r.CriticalLower, r.CriticalUpper, r.Estimator);
        }
        var series = new Series("critical(τ)", t.Rows.Select(r => ((double)r[0]!, 100 * (double)r[3]!)).ToArray(),
            t.Rows.Select(r => (100 * (double)r[4]!, 100 * (double)r[5]!)).ToArray());
        string svg = Charts.Lines("critical-vs-tolerance", "Critical-fault fraction against tolerance τ (band: 95 % interval)",
            "tolerance τ (percentage points of accuracy)", "faults with drop > τ (%)", [series], yMin: 0);
        return new ReportSection("critical-vs-tolerance", "Critical fraction against tolerance", "critical(τ): the fault drops accuracy by more than τ percentage points.", svg, [t]);
    }

    private static ReportSection Sinks(CampaignData d)
    {
        var options = new SinkOptions();
        var cells = SinkClasses.Analyze(d, options);
        var t = new ChartTable("sink-classes", "Sink classes per layer", "layer", "class", "changed", "observed", "expected", "ratio",
            "faulty_share", "golden_share", "p_value", "holm_p_value", "sink");
        foreach (var c in cells)
            t.Add(c.Layer, d.ClassName(c.Class), c.Changed, c.Observed, c.Expected, c.Ratio, c.FaultyShare, c.GoldenShare, c.PValue, c.AdjustedPValue, c.IsSink);
        var layers = d.Layers();
        var ratio = new double[layers.Count, d.ClassCount];
        var marked = new bool[layers.Count, d.ClassCount];
        var tips = new string[layers.Count, d.ClassCount];
        foreach (var c in cells)
        {
            int r = IndexOf(layers, c.Layer);
            ratio[r, c.Class] = c.Ratio;
            marked[r, c.Class] = c.IsSink;
            tips[r, c.Class] = $"{c.Layer} → {d.ClassName(c.Class)}: {c.Observed} of {c.Changed} changed predictions (chance {c.Expected:F1}); faulty share {Charts.Pct(c.FaultyShare)} vs golden {Charts.Pct(c.GoldenShare)}; Holm p = {c.AdjustedPValue:G3}";
        }
        string svg = Heatmap.Draw("sink-classes", "Where changed predictions go: observed ÷ chance, per layer and class", layers,
            Enumerable.Range(0, d.ClassCount).Select(d.ClassName).ToArray(), ratio, marked, tips);
        var sinks = new ChartTable("sinks", "Sinks", "layer", "class", "observed", "expected", "ratio", "holm_p_value");
        foreach (var c in cells.Where(c => c.IsSink).OrderBy(c => c.AdjustedPValue))
            sinks.Add(c.Layer, d.ClassName(c.Class), c.Observed, Math.Round(c.Expected, 1), Math.Round(c.Ratio, 2), c.AdjustedPValue);
        string list = sinks.Rows.Count == 0 ? "<p>No sink class at α = 0.01.</p>" : HtmlTable(sinks, 50);
        return new ReportSection("sink-classes", "Sink classes",
            $"A changed prediction of an image whose golden class is g lands in class c ≠ g by chance with probability π<sub>c</sub>/(1 − π<sub>g</sub>) (π: golden prediction shares). " +
            $"Each (layer, class) is a one-sided exact binomial test; p-values are Holm-adjusted over all {cells.Count} tests. A sink: adjusted p &lt; {Fmt(options.Alpha)} and at least {Fmt(options.MinRatio)}× chance.",
            svg + list, [t, sinks]);
    }

    private static ReportSection Scm(CampaignData d, ClassTaxonomy taxonomy)
    {
        var rows = SafetyCriticalMisclassification.Analyze(d, taxonomy);
        var t = new ChartTable("scm", "Safety-critical misclassification", "scope", "trials", "correct", "misclassified", "scm", "non_scm",
            "scm_share_of_misclassifications", "scm_share_lower", "scm_share_upper", "p_scm_per_trial", "p_scm_lower", "p_scm_upper", "p_non_scm_per_trial");
        foreach (var r in rows)
        {
            var m = Intervals.Wilson(r.Scm, r.Misclassified);
            var s = Intervals.Wilson(r.Scm, r.Trials);
            t.Add(r.Scope, r.Trials, r.Correct, r.Misclassified, r.Scm, r.NonScm, r.ScmShareOfMisclassifications, m.Lower, m.Upper,
                r.ScmProbability, s.Lower, s.Upper, r.NonScmProbability);
        }
        var critical = Enumerable.Range(0, taxonomy.Supergroups.Count).Where(i => taxonomy.SupergroupIsCritical[i]).Select(i => taxonomy.Supergroups[i]);
        return new ReportSection("scm", "Safety-critical misclassification (SCM)",
            $"An SCM: the true class is in a safety-critical supergroup ({WebUtility.HtmlEncode(string.Join(", ", critical))}) and the prediction leaves the true class's group. " +
            "Trials are (fault, image) pairs for faulty inference, images for the golden model. scm_share_of_misclassifications is the share of misclassified trials that are SCMs (TensorFI+'s SCM rate; with the non-SCM share it makes 100 %); " +
            "p_scm_per_trial is per inference. Intervals are 95 % Wilson (trials of one fault are not independent: read them as indicative).",
            HtmlTable(t, 10), [t]);
    }

    private static ReportSection Trust(CampaignData d, double faultProbability)
    {
        var net = TrustNetwork.Build(d);
        double[] ps = [.. new double[] { 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1 }.Append(faultProbability).Distinct().Order()];
        var byP = ps.Select(p => net.TrustAll(p)).ToArray();
        var t = new ChartTable("trust", "Per-class trustworthiness P(true = c | output = c)", "class", "fault_probability", "trust", "p_output");
        for (int c = 0; c < d.ClassCount; c++)
            for (int i = 0; i < ps.Length; i++) t.Add(d.ClassName(c), ps[i], byP[i][c].Trust, byP[i][c].OutputProbability);
        // A chart of 1,000 lines says nothing: draw the classes whose trust falls most from p = 0 to p = 1.
        const int drawn = 12;
        var classes = Enumerable.Range(0, d.ClassCount).OrderByDescending(c => Fall(byP[0][c].Trust, byP[^1][c].Trust)).ThenBy(c => c).Take(drawn).Order().ToArray();
        var series = classes.Select(c => new Series(d.ClassName(c), ps.Select((p, i) => (p, byP[i][c].Trust)).ToArray())).ToList();
        string svg = Charts.Lines("trust", d.ClassCount > drawn ? $"Trustworthiness against fault probability: the {drawn} classes that lose most" : "Trustworthiness of each output class against the probability that a fault occurred",
            "probability p that a fault occurred (one fault, in a layer chosen by its share of the fault space)", "P(true = c | output = c)", series, yMax: 1);
        var at = new ChartTable("trust-at-p", $"Trust at p = {Fmt(faultProbability)}", "class", "trust", "trust_fault_free", "p_output");
        var atP = net.TrustAll(faultProbability);
        foreach (var tr in atP.OrderBy(x => double.IsNaN(x.Trust) ? 2 : x.Trust))
            at.Add(d.ClassName(tr.Class), Math.Round(tr.Trust, 4), Math.Round(byP[0][tr.Class].Trust, 4), Math.Round(tr.OutputProbability, 4));
        return new ReportSection("trust", "Per-class trustworthiness (Bayesian network)",
            "Layer → faulty prediction ← (true class → golden prediction). P(golden | true) is the fault-free confusion with a Dirichlet prior of one pseudo-observation per class row; " +
            "a fault in a layer changes the golden prediction as often, and to the classes, that the campaign observed. With probability 1 − p the network is fault-free; " +
            "with p one fault strikes a layer chosen by its share of the fault space. Table: least trustworthy first.",
            svg + HtmlTable(at, 30), [t, at]);
    }

    private static double Fall(double before, double after) => double.IsNaN(before) || double.IsNaN(after) ? -1 : before - after;

    private static ReportSection Ber(Analysis.Ber.BerResult ber)
    {
        var t = new ChartTable("ber-curve", "Accuracy against bit-error rate", "rate", "samples", "mean_flips", "mean_accuracy", "band_lower", "band_upper", "critical_fraction");
        foreach (var p in ber.Points) t.Add(p.Rate, p.Samples, p.MeanFlips, p.MeanAccuracy, p.Lower, p.Upper, p.CriticalFraction);
        var samples = new ChartTable("ber-samples", "Sampled faulty models", "rate", "sample", "flips", "accuracy");
        foreach (var s in ber.Samples) samples.Add(s.Rate, s.Sample, s.Flips, s.Accuracy);
        var series = new Series("mean accuracy", ber.Points.Select(p => (p.Rate, 100 * p.MeanAccuracy)).ToArray(),
            ber.Points.Select(p => (100 * p.Lower, 100 * p.Upper)).ToArray());
        var golden = new Series("golden", ber.Points.Select(p => (p.Rate, 100 * ber.GoldenAccuracy)).ToArray());
        string svg = Charts.Lines("ber-curve", $"Accuracy against bit-error rate (band: central {Fmt(100 * ber.BandLevel)} % of sampled models)",
            "bit-error rate p (per stored bit)", "top-1 accuracy (%)", [series, golden], logX: true, yMin: 0, yMax: 100);
        return new ReportSection("ber-curve", "Bit-error-rate Monte Carlo",
            $"Every one of {ber.TotalBits:N0} stored bits flips independently with probability p; each point is the mean accuracy of the sampled faulty models.",
            svg + HtmlTable(t, 30), [t, samples]);
    }

    private static int IndexOf(IReadOnlyList<string> list, string s)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == s) return i;
        return -1;
    }

    private static void Card(StringBuilder sb, string label, string valueHtml) =>
        sb.Append("<div class=\"card\"><div class=\"label\">").Append(label).Append("</div><div class=\"value\">").Append(valueHtml).Append("</div></div>");

    public static string Fmt(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The table as HTML; proportions shown as they are (exports keep full precision).</summary>
    public static string HtmlTable(ChartTable t, int maxRows)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var c in t.Columns) sb.Append("<th title=\"").Append(WebUtility.HtmlEncode(c)).Append("\">").Append(WebUtility.HtmlEncode(ColumnTitles.Of(c))).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in t.Rows.Take(maxRows))
        {
            sb.Append("<tr>");
            foreach (var v in row)
            {
                string text = v is double x && double.IsFinite(x) ? x.ToString(Math.Abs(x) < 1e-3 && x != 0 ? "0.###E+0" : "0.####", CultureInfo.InvariantCulture) : ChartTable.Format(v);
                sb.Append(v is double or int or long ? "<td class=\"n\">" : "<td>").Append(WebUtility.HtmlEncode(text)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (t.Rows.Count > maxRows) sb.Append($"<p class=\"note\">{t.Rows.Count - maxRows} more rows in {t.Name}.csv.</p>");
        return sb.ToString();
    }
}
