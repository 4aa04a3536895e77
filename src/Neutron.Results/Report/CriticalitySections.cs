// The report's prediction and protection sections, after the DATE 2023 framework: Table I (acceptable and critical
// bits per tolerated drop, from the campaign's outcomes), Table II (the forests' cross-validated scores stored by
// `neutron predict`), Table III (ECC memory overheads from the stored Critical Parameters), the predicted-criticality
// map per weight tensor and bit, and the protection Pareto front (residual critical rate against memory overhead),
// every point measured by injection. Numbers come from the store and Neutron.Protection; this file arranges them.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Protection.Protection;

namespace Neutron.Results.Report;

public static class CriticalitySections
{
    public static readonly double[] TableITolerances = [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    public static ReportSection TableI(CampaignData d)
    {
        var t = new ChartTable("table-1", "Table I: acceptable and critical bits per tolerated drop", "tolerance_pp", "faults", "acceptable_pct", "critical_pct", "critical_lower_pct", "critical_upper_pct", "estimator");
        foreach (double tau in TableITolerances)
        {
            var r = CampaignRates.Overall(d, tau);
            t.Add(tau, r.Faults, 100 * (1 - r.CriticalRate), 100 * r.CriticalRate, 100 * r.CriticalLower, 100 * r.CriticalUpper, r.Estimator);
        }
        return new ReportSection("table-1", "Table I: acceptable and critical bits",
            "A bit is critical at τ when flipping it drops top-1 accuracy by more than τ percentage points; shares of the campaign's fault space, with 95 % intervals (stratified where the plan is).",
            ReportSections.HtmlTable(t, 20), [t]);
    }

    public static ReportSection TableII(CriticalityInput c)
    {
        var t = new ChartTable("table-2", "Table II: cross-validated prediction of critical bits", "features", "tolerance_pp", "forest", "rows", "critical", "folds", "trees",
            "roc_auc", "pr_auc", "tn_pct", "fp_pct", "fn_pct", "tp_pct");
        foreach (var s in c.Scores)
        {
            double total = s.TrueNegative + s.FalsePositive + s.FalseNegative + s.TruePositive;
            double Pct(long n) => total == 0 ? double.NaN : 100 * n / total;
            t.Add(s.Features, s.Tolerance, s.Forest, s.Rows, s.Critical, s.Folds, s.Trees, s.RocAuc, s.PrAuc,
                Pct(s.TrueNegative), Pct(s.FalsePositive), Pct(s.FalseNegative), Pct(s.TruePositive));
        }
        return new ReportSection("table-2", "Table II: predicting critical bits (random forests)",
            "Stored by <code>neutron predict</code>: mean ROC AUC and PR AUC over the folds of a stratified cross-validation; the confusion at p &gt; 0.5 as shares of all injected bits (FN: critical bits missed).",
            t.Rows.Count == 0 ? "<p>No scores stored: run <code>neutron predict --db FILE</code>.</p>" : ReportSections.HtmlTable(t, 60), [t]);
    }

    public static ReportSection TableIII(CriticalityInput c)
    {
        var t = new ChartTable("table-3", "Table III: memory overhead of ECC", "tolerance_pp", "forest", "threshold", "parameters", "critical_parameters", "word_bits",
            "ecc_all_pct", "signature_pct", "ecc_critical_pct", "ecc_critical_total_pct", "gain_vs_ecc_all_pct");
        foreach (var s in c.Sets)
        {
            var cost = EccProtection.Critical(s.Parameters, c.WordBits, s.CriticalParameters);
            t.Add(s.Tolerance, s.Forest, s.Threshold?.Describe() ?? "p > 0.5", s.Parameters, s.CriticalParameters, c.WordBits, cost.EccAllPct, cost.SignaturePct, cost.EccPct, cost.MemoryOverheadPct, cost.GainVsEccAllPct);
        }
        return new ReportSection("table-3", "Table III: ECC on all parameters or on the Critical Parameters",
            $"Hamming SEC ({WebUtilityEncode(Neutron.Protection.Protection.HammingCode.Describe(c.WordBits, EccCode.Sec))}) on every word, or only on the Critical Parameters (a word with at least one bit predicted critical, at the probability threshold the prediction was made at) plus a one-bit-per-parameter signature, as shares of the unprotected weights' bits.",
            t.Rows.Count == 0 ? "<p>No predictions stored: run <code>neutron predict --db FILE</code>.</p>" : ReportSections.HtmlTable(t, 30), [t]);
    }

    public static ReportSection Map(CriticalityMap m)
    {
        var t = new ChartTable("criticality-map", "Predicted-critical share per tensor and bit", "tensor", "bit", "words", "predicted_critical", "share");
        var bits = Enumerable.Range(m.LowBit, m.HighBit - m.LowBit + 1).Reverse().ToArray();
        var share = new double[m.Tensors.Count, bits.Length];
        var marked = new bool[m.Tensors.Count, bits.Length];
        var tips = new string[m.Tensors.Count, bits.Length];
        for (int r = 0; r < m.Tensors.Count; r++)
            for (int j = 0; j < bits.Length; j++)
            {
                long n = m.Critical[r, bits[j]];
                share[r, j] = m.Words[r] == 0 ? double.NaN : (double)n / m.Words[r];
                tips[r, j] = $"{m.Tensors[r]} bit {bits[j]}: {n:N0} of {m.Words[r]:N0} words predicted critical";
                t.Add(m.Tensors[r], bits[j], m.Words[r], n, share[r, j]);
            }
        string svg = Heatmap.Draw("criticality-map", $"Share of words whose bit is predicted critical (τ = {ReportSections.Fmt(m.Set.Tolerance)} pp, {m.Set.Forest})",
            m.Tensors, bits.Select(b => b.ToString(CultureInfo.InvariantCulture)).ToArray(), share, marked, tips, Heatmap.ShareColour,
            "cell: share of the tensor's words whose bit is predicted critical (white 0, red 1)");
        return new ReportSection("criticality-map", "Predicted criticality per tensor and bit",
            $"Every bit of the campaign's weight space, predicted by the stored forest ({m.Set.Parameters:N0} words, {m.Set.CriticalParameters:N0} with a critical bit).",
            svg, [t]);
    }

    public static ReportSection Pareto(CriticalityInput c, double tolerance)
    {
        var points = c.Points.OrderBy(p => p.MemoryOverheadPct).ThenBy(p => p.CriticalRate).ToList();
        var t = new ChartTable("pareto", "Protection: residual critical rate against memory overhead", "scheme", "database", "memory_overhead_pct", "faults",
            "critical_faults", "critical_pct", "critical_lower_pct", "critical_upper_pct", "on_front");
        double best = double.PositiveInfinity;
        var front = new List<ProtectionPoint>();
        foreach (var p in points)
        {
            bool on = p.CriticalRate < best;
            if (on) { best = p.CriticalRate; front.Add(p); }
            t.Add(p.Scheme, p.Source, p.MemoryOverheadPct, p.Faults, p.CriticalFaults, 100 * p.CriticalRate, 100 * p.Lower, 100 * p.Upper, on);
        }
        var series = new List<Series>
        {
            new("Pareto front", front.Select(p => (p.MemoryOverheadPct, 100 * p.CriticalRate)).ToArray(), front.Select(p => (100 * p.Lower, 100 * p.Upper)).ToArray()),
        };
        foreach (var p in points.Where(p => !front.Contains(p)))
            series.Add(new Series(p.Scheme, [(p.MemoryOverheadPct, 100 * p.CriticalRate)]));
        string svg = Charts.Lines("pareto", $"Residual critical-fault rate (drop > {ReportSections.Fmt(tolerance)} pp) against memory overhead", "memory overhead (% of the weights' bits)",
            "critical faults (%)", series, yMin: 0);
        return new ReportSection("pareto", "Protection Pareto front",
            "Each point is a campaign run under a protection (<code>campaign --protect</code>; <code>report --protected DB</code> adds it) or none, its critical rate measured by injection with a 95 % interval. "
            + "On the front: no cheaper point has a lower rate.",
            svg + ReportSections.HtmlTable(t, 30), [t]);
    }

    static string WebUtilityEncode(string s) => System.Net.WebUtility.HtmlEncode(s);
}
