// FIT arithmetic for a model's weight memory: raw upsets from a FIT/Mbit figure (1 Mbit = 2^20 bits, as memory
// vendors quote it) and the stored size, and the share of upsets that make the model critical, estimated from the
// BER samples that held exactly one flip (Jeffreys 95 % interval). FIT = failures per 10^9 device-hours.
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Ber;

public sealed record FitEstimate(double FitPerMbit, long Bits, double UpsetFit, long SingleFlipSamples, long SingleFlipCritical,
    double CriticalShare, Interval CriticalShareInterval)
{
    public double Mbit => Bits / (double)(1 << 20);
    /// <summary>Upsets that make the model critical: UpsetFit × P(critical | one upset); NaN without single-flip samples.</summary>
    public double CriticalFit => UpsetFit * CriticalShare;

    public static FitEstimate From(BerResult ber, double fitPerMbit)
    {
        if (!(fitPerMbit >= 0) || double.IsInfinity(fitPerMbit)) throw new ArgumentOutOfRangeException(nameof(fitPerMbit), fitPerMbit, "FIT/Mbit must be a finite number ≥ 0");
        var single = ber.Samples.Where(s => s.Flips == 1).ToArray();
        long critical = single.Count(s => 100 * (ber.GoldenAccuracy - s.Accuracy) > ber.Tolerance);
        double share = single.Length == 0 ? double.NaN : (double)critical / single.Length;
        var interval = single.Length == 0 ? new Interval(0, 1) : Intervals.Jeffreys(critical, single.Length);
        return new FitEstimate(fitPerMbit, ber.TotalBits, fitPerMbit * ber.TotalBits / (1 << 20), single.Length, critical, share, interval);
    }
}
