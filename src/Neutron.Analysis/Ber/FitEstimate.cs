// FIT arithmetic for a model's weight memory (FIT = failures per 10^9 device-hours): raw upsets from a FIT/Mbit
// figure (1 Mbit = 2^20 bits, as memory vendors quote it) and the stored size, times the probability that one upset
// makes the model critical. That probability comes from the best evidence at hand: a single-fault weight campaign
// over the whole weight space (its weighted critical rate and interval), else the BER samples that held exactly one
// flip (Jeffreys 95 %). The upper bound is what a safety case may claim; the point estimate alone reassures falsely.
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Ber;

/// <param name="Source">where P(critical | one upset) came from, in words</param>
/// <param name="Trials">faults or single-flip samples behind it</param>
public sealed record FitEstimate(double FitPerMbit, long Bits, double UpsetFit, string Source, long Trials,
    double CriticalShare, Interval CriticalShareInterval)
{
    /// <summary>The safety-integrity target of ISO 26262 ASIL D for a whole item: 10 FIT.</summary>
    public const double AsilDTarget = 10;

    public double Mbit => Bits / (double)(1 << 20);
    /// <summary>Upsets that make the model critical: UpsetFit × P(critical | one upset); NaN without evidence.</summary>
    public double CriticalFit => UpsetFit * CriticalShare;
    public double CriticalFitLower => UpsetFit * CriticalShareInterval.Lower;
    /// <summary>The 95 % upper bound: the figure to compare with a target.</summary>
    public double CriticalFitUpper => UpsetFit * CriticalShareInterval.Upper;

    /// <summary>"meets" when even the upper bound is below the target, "fails" when the lower bound is above it,
    /// "undecided" when the interval straddles it (more faults would tell), "no evidence" without any.</summary>
    public string Verdict(double target) =>
        Trials == 0 ? "no evidence" : CriticalFitUpper < target ? "meets" : CriticalFitLower > target ? "fails" : "undecided";

    public static void CheckFitPerMbit(double fitPerMbit)
    {
        if (!(fitPerMbit >= 0) || double.IsInfinity(fitPerMbit)) throw new ArgumentOutOfRangeException(nameof(fitPerMbit), fitPerMbit, "FIT/Mbit must be a finite number ≥ 0");
    }

    /// <summary>From the BER samples that held exactly one flip.</summary>
    public static FitEstimate From(BerResult ber, double fitPerMbit)
    {
        CheckFitPerMbit(fitPerMbit);
        var single = ber.Samples.Where(s => s.Flips == 1).ToArray();
        long critical = single.Count(s => BitErrorRateMonteCarlo.Critical(ber.GoldenAccuracy, s.Accuracy, ber.Tolerance));
        double share = single.Length == 0 ? double.NaN : (double)critical / single.Length;
        var interval = single.Length == 0 ? new Interval(0, 1) : Intervals.Jeffreys(critical, single.Length);
        return new FitEstimate(fitPerMbit, ber.TotalBits, fitPerMbit * ber.TotalBits / (1 << 20),
            $"{critical} of {single.Length} BER samples with one flip (Jeffreys 95 %)", single.Length, share, interval);
    }

    /// <summary>From a single-fault campaign's critical rate over the weight space (with its interval).</summary>
    public static FitEstimate From(long bits, double fitPerMbit, double criticalRate, Interval interval, long faults, string source)
    {
        CheckFitPerMbit(fitPerMbit);
        return new FitEstimate(fitPerMbit, bits, fitPerMbit * bits / (1 << 20), source, faults, criticalRate, interval);
    }
}
