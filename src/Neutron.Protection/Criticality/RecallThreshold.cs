// The probability threshold that keeps a target share of the critical bits. A forest's default cut (p > 0.5) misses
// critical bits that are rare and look like acceptable ones (fixed-point formats: a few bits of a few parameters);
// one missed bit leaves its whole parameter uncoded under ecc-critical. The threshold is chosen on out-of-fold
// probabilities (each injected bit scored by a forest that never saw it), so the recall it promises is measured on
// bits the forest did not train on: the largest t with recall(p ≥ t) ≥ target. False alarms are what it costs.
namespace Neutron.Protection.Criticality;

/// <summary>A threshold and what it gives in cross-validation: recall of the critical bits and the false-alarm share
/// (acceptable bits called critical, as a share of all injected bits).</summary>
public sealed record Threshold(double Value, double TargetRecall, double Recall, double FalseAlarmPct)
{
    /// <summary>The default cut: critical when p > 0.5.</summary>
    public static readonly Threshold Default = new(0.5, double.NaN, double.NaN, double.NaN) { Strict = true };

    /// <summary>True: critical when p > Value; false: when p ≥ Value.</summary>
    public bool Strict { get; init; }

    public bool IsCritical(double probability) => Strict ? probability > Value : probability >= Value;

    /// <summary>"p ≥ 0.32 (cross-validated recall 0.9925 for 0.99; false alarms 6.730 % of the injected bits)", or "p > 0.5".</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"p {(Strict ? ">" : "≥")} {Value:0.####}")
        + (double.IsNaN(TargetRecall) ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $" (cross-validated recall {Recall:F4} for {TargetRecall}; false alarms {FalseAlarmPct:F3} % of the injected bits)"));

    /// <summary>The largest t with out-of-fold recall(p ≥ t) ≥ target; the default cut when nothing was
    /// cross-validated (no critical or no acceptable bits).</summary>
    public static Threshold ForRecall(PredictionScore score, double target)
    {
        if (!(target > 0 && target <= 1)) throw new ArgumentOutOfRangeException(nameof(target), target, "recall target must be in (0, 1]");
        var p = score.OutOfFold;
        var labels = score.Labels;
        var positives = Enumerable.Range(0, p.Length).Where(i => labels[i]).Select(i => p[i]).OrderByDescending(v => v).ToArray();
        if (positives.Length == 0 || positives.Length == p.Length) return Default;
        int keep = (int)Math.Ceiling(target * positives.Length - 1e-9);
        double t = positives[Math.Clamp(keep, 1, positives.Length) - 1];
        int caught = positives.Count(v => v >= t), alarms = Enumerable.Range(0, p.Length).Count(i => !labels[i] && p[i] >= t);
        return new Threshold(t, target, (double)caught / positives.Length, 100.0 * alarms / p.Length);
    }
}
