// The report's first screen: what an assessor needs before any chart. The rates of the fault space with their
// intervals and the estimator behind them, each said in one line; a verdict against each target given (a critical
// rate, a FIT budget); and what the campaign covered. Numbers come from CampaignRates and FitEstimate only.
using System.Globalization;
using System.Net;
using System.Text;
using Neutron.Analysis.Ber;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Statistics;

namespace Neutron.Results.Report;

public static class ReportVerdict
{
    public static ReportSection Build(ReportInput input)
    {
        var d = input.Campaign;
        var all = CampaignRates.Overall(d, input.Tolerance);
        var t = new ChartTable("verdict", "Verdict", "measure", "value", "lower_95", "upper_95", "target", "verdict", "meaning");
        string tau = ReportSections.Fmt(input.Tolerance);
        var body = new StringBuilder("<div class=\"cards\">");
        string? critVerdict = input.CriticalTarget is { } ct ? Verdict(all.CriticalLower, all.CriticalUpper, ct) : null;
        Card(body, $"critical faults (accuracy drop &gt; {tau} pp)", Range(all.CriticalRate, all.CriticalLower, all.CriticalUpper), critVerdict,
            input.CriticalTarget is { } c1 ? $"target &lt; {Charts.Pct(c1)}" : null);
        t.Add("critical-fault rate", all.CriticalRate, all.CriticalLower, all.CriticalUpper, input.CriticalTarget ?? double.NaN, critVerdict ?? "",
            $"share of single faults in the fault space that drop top-1 accuracy by more than {tau} percentage points");
        Card(body, "SDC-fault rate", Range(all.SdcRate, all.SdcLower, all.SdcUpper), null, $"over {d.ImageCount:N0} images");
        t.Add("SDC-fault rate", all.SdcRate, all.SdcLower, all.SdcUpper, double.NaN, "", $"share of faults that change the top-1 of at least one of the {d.ImageCount} images (grows with the image count)");
        Card(body, "per-inference SDC rate", Charts.Pct(all.InferenceSdcRate), null, "answers changed by a fault");
        t.Add("per-inference SDC rate", all.InferenceSdcRate, double.NaN, double.NaN, double.NaN, "", "share of (fault, image) inferences whose top-1 changed (TensorFI+'s SDC rate)");

        FitEstimate? fit = null;
        string fitNote = "";
        if (input.FitPerMbit is { } perMbit)
        {
            if (d.CoversWeightMemory && d.StoredWeightBits is { } bits)
            {
                fit = FitEstimate.From(bits, perMbit, all.CriticalRate, new Interval(all.CriticalLower, all.CriticalUpper), all.Faults, "this campaign");
                string v = fit.Verdict(input.FitTarget);
                Card(body, "critical FIT (95 % upper bound)", $"≤ {fit.CriticalFitUpper:0.##} <small>estimate {fit.CriticalFit:0.##}</small>", v, $"target &lt; {ReportSections.Fmt(input.FitTarget)} FIT");
                t.Add("critical FIT", fit.CriticalFit, fit.CriticalFitLower, fit.CriticalFitUpper, input.FitTarget, v,
                    $"failures per 10^9 h: {perMbit} FIT/Mbit × {fit.Mbit:0.###} Mbit of weights × the critical-fault rate");
            }
            else fitNote = "<p class=\"note\">No FIT: it needs a campaign of single-bit flips over every bit of every weight (no --layer, --op or --bits filter).</p>";
        }
        body.Append("</div>");
        var lines = new StringBuilder("<ul class=\"verdict\">");
        string how = string.Join(", ", new[] { Setting(d, "fault model"), Setting(d, "format") }.Where(x => x.Length > 0));
        string plan = Setting(d, "planner") is { Length: > 0 } planner ? $", plan {planner}" : "";
        lines.Append("<li>").Append(WebUtility.HtmlEncode($"Campaign: {d.Faults.Count:N0} {Target(d)} faults{(how.Length > 0 ? $" ({how})" : "")}{plan}, on {d.ImageCount:N0} images (golden accuracy {d.GoldenAccuracy:P2}).")).Append("</li>");
        lines.Append("<li>").Append(WebUtility.HtmlEncode($"Every rate is an estimate of the whole fault space: {CampaignRates.Describe(all.Estimator)}.")).Append("</li>");
        lines.Append("<li>Verdicts: <b>meets</b> when even the 95 % upper bound is below the target, <b>fails</b> when even the lower bound is above it, <b>undecided</b> otherwise (inject more faults).</li></ul>");
        return new ReportSection("verdict", "Verdict", "What the campaign says about the model, with 95 % intervals; the sections below explain where it comes from.",
            body + fitNote + lines.ToString() + ReportSections.HtmlTable(t, 10), [t]);
    }

    static string Verdict(double lower, double upper, double target) => upper < target ? "meets" : lower > target ? "fails" : "undecided";

    static string Range(double rate, double lower, double upper) =>
        $"{Charts.Pct(rate)} <small>[{Charts.Pct(lower)}, {Charts.Pct(upper)}]</small>";

    static string Target(CampaignData d) => d.Faults.Count > 0 && d.Faults[0].Target == "act" ? "activation" : "weight";

    static string Setting(CampaignData d, string key) => d.Settings.GetValueOrDefault(key, "");

    static void Card(StringBuilder sb, string label, string valueHtml, string? verdict, string? note)
    {
        sb.Append("<div class=\"card\"><div class=\"label\">").Append(label).Append("</div><div class=\"value\">").Append(valueHtml).Append("</div>");
        if (note is not null) sb.Append("<div class=\"note\">").Append(note).Append("</div>");
        if (verdict is not null) sb.Append("<div class=\"badge ").Append(verdict.Replace(' ', '-')).Append("\">").Append(verdict).Append("</div>");
        sb.Append("</div>");
    }
}
