// The probability threshold that keeps a target share of the critical bits. A forest's default cut (p > 0.5) misses
// critical bits that are rare and look like acceptable ones (fixed-point formats: a few bits of a few parameters);
// one missed bit leaves its whole parameter uncoded under ecc-critical. The threshold is chosen on out-of-fold
// probabilities (each injected bit scored by a forest that never saw it), so the recall it promises is measured on
// bits the forest did not train on. A few hundred critical bits measure that recall coarsely (the cut that catches
// 99 % of 384 can catch 96 % of the whole space), so the cut is the largest t whose one-sided Clopper–Pearson lower
// bound of the recall reaches the target, not its point estimate. False alarms are what it costs.
using Neutron.Analysis.Statistics;

namespace Neutron.Protection.Criticality;

/// <summary>A threshold and what it gives in cross-validation: recall of the critical bits, its one-sided lower
/// confidence bound, and the false-alarm share (acceptable bits called critical, as a share of all injected bits).</summary>
public sealed record Threshold(double Value, double TargetRecall, double Recall, double FalseAlarmPct)
{
    /// <summary>Confidence of the lower bound on the cross-validated recall that the cut must bring to the target.</summary>
    public const double Confidence = 0.95;

    /// <summary>The default cut: critical when p > 0.5.</summary>
    public static readonly Threshold Default = new(0.5, double.NaN, double.NaN, double.NaN) { Strict = true };

    /// <summary>True: critical when p > Value; false: when p ≥ Value.</summary>
    public bool Strict { get; init; }

    /// <summary>One-sided Clopper–Pearson lower bound (at <see cref="Confidence"/>) of the cross-validated recall.</summary>
    public double RecallLower { get; init; } = double.NaN;

    /// <summary>False when even calling every critical injected bit critical leaves the bound below the target: too
    /// few critical bits were injected to promise it (the cut then keeps them all).</summary>
    public bool Reached { get; init; } = true;

    public bool IsCritical(double probability) => Strict ? probability > Value : probability >= Value;

    /// <summary>"p ≥ 0.32 (cross-validated recall 0.9925, ≥ 0.9907 at 95 % confidence, for 0.99; false alarms 6.730 %
    /// of the injected bits)", or "p > 0.5".</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"p {(Strict ? ">" : "≥")} {Value:0.####}")
        + (double.IsNaN(TargetRecall) ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $" (cross-validated recall {Recall:F4}{Bound()}, for {TargetRecall}{(Reached ? "" : ": not reached, too few critical bits")}; false alarms {FalseAlarmPct:F3} % of the injected bits)"));

    // A cut read back from a store has no bound (not stored).
    string Bound() => double.IsNaN(RecallLower) ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $", ≥ {RecallLower:F4} at {Confidence * 100:0} % confidence");

    /// <summary>The largest t whose out-of-fold recall(p ≥ t) has a one-sided lower confidence bound ≥ target; when
    /// no t reaches it, the lowest critical bit's probability (every injected critical bit kept) with Reached false;
    /// the default cut when nothing was cross-validated (no critical or no acceptable bits).</summary>
    public static Threshold ForRecall(PredictionScore score, double target)
    {
        if (!(target > 0 && target <= 1)) throw new ArgumentOutOfRangeException(nameof(target), target, "recall target must be in (0, 1]");
        var p = score.OutOfFold;
        var labels = score.Labels;
        var positives = Enumerable.Range(0, p.Length).Where(i => labels[i]).Select(i => p[i]).OrderByDescending(v => v).ToArray();
        if (positives.Length == 0 || positives.Length == p.Length) return Default;
        int n = positives.Length;
        // Walk down the critical bits' scores; ties enter together, so the count caught at t = positives[k] runs past k.
        for (int k = 0; k < n; k++)
        {
            int caught = k + 1;
            while (caught < n && positives[caught] == positives[k]) caught++;
            double lower = Lower(caught, n);
            if (lower >= target) return Cut(positives[k], caught, lower, reached: true);
            k = caught - 1;
        }
        return Cut(positives[^1], n, Lower(n, n), reached: false);

        Threshold Cut(double t, int caught, double lower, bool reached)
        {
            int alarms = Enumerable.Range(0, p.Length).Count(i => !labels[i] && p[i] >= t);
            return new Threshold(t, target, (double)caught / n, 100.0 * alarms / p.Length) { RecallLower = lower, Reached = reached };
        }
    }

    /// <summary>One-sided lower bound at <see cref="Confidence"/>: the lower end of the two-sided interval at 2c − 1.</summary>
    static double Lower(int caught, int n) => Intervals.ClopperPearson(caught, n, 2 * Confidence - 1).Lower;
}
