// The rates of a campaign as estimates of its fault space (DESIGN §4): SDC-fault rate, critical(τ) rate, share of
// faults with non-finite logits and mean accuracy drop, overall and per group (layer, tensor, bit, stratum), each with
// its 95 % interval and the estimator's name. Every output (summary, its JSON, the report and its CSV files) prints
// from these rows, so they cannot disagree. Pure functions over CampaignData; the planner's weights come from the
// stratum sizes the campaign recorded. Not here: the estimators themselves (Statistics/).
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Campaign;

/// <summary>One row of rates: a group of faults and what they estimate. Rates are shares in [0, 1].</summary>
/// <param name="Key">the group's name ("all" for the campaign)</param>
/// <param name="Faults">faults injected in the group</param>
/// <param name="SdcFaults">faults with at least one changed top-1</param>
/// <param name="CriticalFaults">faults whose accuracy drop exceeds <paramref name="TolerancePp"/></param>
/// <param name="NonFiniteFaults">faults with a NaN or Inf logit on at least one image</param>
/// <param name="MeanDropPp">mean accuracy drop in percentage points (weighted like the rates)</param>
/// <param name="Estimator">"wilson" (a uniform sample), "stratified" (weighted by stratum sizes) or "unweighted"
/// (strata sampled at different rates whose sizes are unknown: a biased estimate, flagged), "importance" (an importance
/// plan's whole campaign: weights p/q, unbiased) or "importance-sn" (a group of an importance plan: self-normalised)</param>
public sealed record RateRow(
    string Key, long Faults, long SdcFaults, double SdcRate, double SdcLower, double SdcUpper,
    long CriticalFaults, double CriticalRate, double CriticalLower, double CriticalUpper,
    long NonFiniteFaults, double NonFiniteRate, double MeanDropPp, string Estimator, double TolerancePp)
{
    /// <summary>The per-inference SDC rate: the share of (fault, image) inferences whose top-1 changed (TensorFI+'s
    /// "SDC rate"), weighted like the other rates. Not the SDC-fault rate, which grows with the image count.</summary>
    public double InferenceSdcRate { get; init; }

    /// <summary>Kish's effective sample size (Σw)²/Σw² of an importance-weighted row; the fault count otherwise.</summary>
    public double EffectiveSize { get; init; } = double.NaN;
}

public static class CampaignRates
{
    public const string Wilson = "wilson";
    public const string Stratified = "stratified";
    public const string Unweighted = "unweighted";
    public const string Importance = "importance";
    public const string ImportanceSelfNormalised = "importance-sn";

    /// <summary>The campaign's overall row.</summary>
    public static RateRow Overall(CampaignData d, double tolerance) => Of(d, "all", d.Faults, tolerance);

    /// <summary>One row per group, in the order the keys first appear (or the order given).</summary>
    public static IReadOnlyList<RateRow> By(CampaignData d, Func<FaultRecord, string> keyOf, double tolerance, IEnumerable<string>? order = null)
    {
        var groups = new Dictionary<string, List<FaultRecord>>(StringComparer.Ordinal);
        var seen = new List<string>();
        foreach (var f in d.Faults)
        {
            string k = keyOf(f);
            if (!groups.TryGetValue(k, out var list)) { groups[k] = list = []; seen.Add(k); }
            list.Add(f);
        }
        var keys = order?.Where(groups.ContainsKey).ToList() ?? seen;
        return keys.Select(k => Of(d, k, groups[k], tolerance)).ToList();
    }

    /// <summary>Per bit, most significant first.</summary>
    public static IReadOnlyList<RateRow> ByBit(CampaignData d, double tolerance) =>
        By(d, f => f.Bit.ToString(System.Globalization.CultureInfo.InvariantCulture), tolerance,
            d.Faults.Select(f => f.Bit).Distinct().OrderDescending().Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The rates of one group of faults. A group inside one stratum (or any group of an unstratified plan) is
    /// a uniform sample: Wilson. A group spanning strata is weighted by the strata's sizes (StratifiedEstimate).</summary>
    public static RateRow Of(CampaignData d, string key, IReadOnlyList<FaultRecord> faults, double tolerance)
    {
        long n = faults.Count, sdc = 0, critical = 0, nonFinite = 0;
        foreach (var f in faults)
        {
            if (f.Sdc > 0) sdc++;
            if (d.Drop(f) > tolerance) critical++;
            if (f.NonFinite > 0) nonFinite++;
        }
        if (n == 0) return new RateRow(key, 0, 0, double.NaN, 0, 1, 0, double.NaN, 0, 1, 0, double.NaN, double.NaN, Wilson, tolerance) { InferenceSdcRate = double.NaN };
        static double PerInference(FaultRecord f) => f.Images == 0 ? 0 : (double)f.Sdc / f.Images;
        if (faults[0].Weight is not null) return ImportanceWeighted(d, key, faults, tolerance, whole: faults.Count == d.Faults.Count);

        var byStratum = d.Stratification == Stratification.None ? null : faults.GroupBy(f => f.Stratum, StringComparer.Ordinal).ToList();
        if (byStratum is not { Count: > 1 })
        {
            var s = Intervals.Wilson(sdc, n);
            var c = Intervals.Wilson(critical, n);
            return new RateRow(key, n, sdc, (double)sdc / n, s.Lower, s.Upper, critical, (double)critical / n, c.Lower, c.Upper,
                nonFinite, (double)nonFinite / n, faults.Average(d.Drop), Wilson, tolerance) { InferenceSdcRate = faults.Average(PerInference) };
        }
        if (d.StratumSizes is not { } sizes || !byStratum.All(g => sizes.ContainsKey(g.Key)))
        {
            var s = Intervals.Wilson(sdc, n);
            var c = Intervals.Wilson(critical, n);
            return new RateRow(key, n, sdc, (double)sdc / n, s.Lower, s.Upper, critical, (double)critical / n, c.Lower, c.Upper,
                nonFinite, (double)nonFinite / n, faults.Average(d.Drop), Unweighted, tolerance) { InferenceSdcRate = faults.Average(PerInference) };
        }
        StratifiedResult Weighted(Func<FaultRecord, bool> success) =>
            StratifiedEstimate.Of(byStratum.Select(g => new StratumCount(sizes[g.Key], g.Count(), g.Count(success))).ToList());
        var sw = Weighted(f => f.Sdc > 0);
        var cw = Weighted(f => d.Drop(f) > tolerance);
        var nw = Weighted(f => f.NonFinite > 0);
        double total = byStratum.Sum(g => (double)sizes[g.Key]);
        double meanDrop = byStratum.Sum(g => sizes[g.Key] / total * g.Average(d.Drop));
        return new RateRow(key, n, sdc, sw.Estimate, sw.Interval.Lower, sw.Interval.Upper, critical, cw.Estimate, cw.Interval.Lower, cw.Interval.Upper,
            nonFinite, nw.Estimate, meanDrop, Stratified, tolerance)
        {
            InferenceSdcRate = byStratum.Sum(g => sizes[g.Key] / total * g.Average(PerInference)),
        };
    }

    /// <summary>An importance plan's rates: every fault weighted by p/q. The whole campaign is estimated without bias
    /// (Σ w f / n); a group, whose share of the space the weights do not give, self-normalised (Σ w f / Σ w).</summary>
    static RateRow ImportanceWeighted(CampaignData d, string key, IReadOnlyList<FaultRecord> faults, double tolerance, bool whole)
    {
        int n = faults.Count;
        var w = new double[n];
        for (int i = 0; i < n; i++) w[i] = faults[i].Weight ?? throw new ArgumentException($"fault {faults[i].Index} has no importance weight although others of the campaign have one");
        ImportanceResult Rate(Func<FaultRecord, bool> success)
        {
            var f = new bool[n];
            for (int i = 0; i < n; i++) f[i] = success(faults[i]);
            return whole ? ImportanceEstimate.Unbiased(w, f) : ImportanceEstimate.SelfNormalised(w, f);
        }
        double Mean(Func<FaultRecord, double> value)
        {
            double sum = 0, weights = 0;
            for (int i = 0; i < n; i++) { sum += w[i] * value(faults[i]); weights += w[i]; }
            return sum / (whole ? n : weights);
        }
        var sdc = Rate(f => f.Sdc > 0);
        var critical = Rate(f => d.Drop(f) > tolerance);
        var nonFinite = Rate(f => f.NonFinite > 0);
        return new RateRow(key, n, faults.Count(f => f.Sdc > 0), sdc.Estimate, sdc.Interval.Lower, sdc.Interval.Upper,
            faults.Count(f => d.Drop(f) > tolerance), critical.Estimate, critical.Interval.Lower, critical.Interval.Upper,
            faults.Count(f => f.NonFinite > 0), nonFinite.Estimate, Mean(d.Drop), whole ? Importance : ImportanceSelfNormalised, tolerance)
        {
            InferenceSdcRate = Mean(f => f.Images == 0 ? 0 : (double)f.Sdc / f.Images),
            EffectiveSize = sdc.EffectiveSize,
        };
    }

    /// <summary>One line that says what an estimator means, for tables and reports.</summary>
    public static string Describe(string estimator) => estimator switch
    {
        Wilson => "uniform sample: share of injected faults, Wilson 95 % interval",
        Stratified => "weighted by stratum sizes (strata sampled at different rates): stratified estimate, Wilson 95 % at the effective sample size",
        Importance => "importance plan: faults weighted by p/q (p uniform over the space, q the proposal), unbiased mean, Wilson 95 % at the effective size p(1−p)/Var",
        ImportanceSelfNormalised => "importance plan, one group: self-normalised weighted share Σ(p/q)·f / Σ(p/q), Wilson 95 % at the effective size p(1−p)/Var",
        Unweighted => "UNWEIGHTED share of injected faults although they span strata sampled at different rates (stratum sizes unknown): biased",
        _ => estimator,
    };
}
