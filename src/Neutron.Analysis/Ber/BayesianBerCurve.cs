// The Bayesian failure-probability curve over bit-error rates, once per design (unprotected, or behind a word guard
// such as a protection plan), and its FIT figure. FIT (failures per 10^9 device-hours) from a raw upset rate F in FIT
// per Mbit (2^20 bits) and an exposure of H hours between reloads of the weights (scrubbing): each stored bit flips
// with p = F / 2^20 × H / 10^9 by the end of the exposure, the failure probability P(fail | p) is estimated like any
// other point of the curve, and FIT = 10^9 × P(fail | p) / H, with the credible interval scaled the same way. Upsets
// that accumulate over H (several flips) are thus counted, which FIT = upsets × P(fail | one upset) ignores.
namespace Neutron.Analysis.Ber;

/// <param name="Rate">p = FitPerMbit / 2^20 × Hours / 10^9</param>
/// <param name="UpsetFit">raw upsets of the memory: FitPerMbit × Bits / 2^20</param>
public sealed record BerFit(double FitPerMbit, long Bits, double Hours, double Rate, double UpsetFit, BayesianBerPoint Point)
{
    public double Fit => 1e9 * Point.Mean / Hours;
    public double Lower => 1e9 * Point.Credible.Lower / Hours;
    public double Upper => 1e9 * Point.Credible.Upper / Hours;

    /// <summary>"meets" when the upper end is below the target, "fails" when the lower end is above it, else "undecided".</summary>
    public string Verdict(double target) => Upper < target ? "meets" : Lower > target ? "fails" : "undecided";

    public static double RateOf(double fitPerMbit, double hours) => fitPerMbit / (1 << 20) * hours / 1e9;
}

/// <summary>One design's curve: its name (null guard: unprotected) and a point per rate, and the FIT when asked.</summary>
public sealed record BerDesignCurve(string Name, IReadOnlyList<BayesianBerPoint> Points, BerFit? Fit);

/// <summary>A FIT request: raw upset rate in FIT/Mbit and the exposure in hours.</summary>
public sealed record BerFitRequest(double FitPerMbit, double Hours);

public static class BayesianBerCurve
{
    public static List<BerDesignCurve> Run(BitErrorRateMonteCarlo mc, IReadOnlyList<double> rates, double tolerance, BayesianBerOptions options,
        IReadOnlyList<(string Name, IStoredWordGuard? Guard)> designs, BerFitRequest? fit = null, IProgress<string>? progress = null,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(mc);
        var curves = new List<BerDesignCurve>();
        foreach (var (name, guard) in designs)
        {
            var points = new List<BayesianBerPoint>();
            foreach (double rate in rates)
            {
                cancel.ThrowIfCancellationRequested();
                points.Add(BayesianBer.Estimate(mc, rate, tolerance, options, guard));
                progress?.Report($"{name}: rate {rate:G3} done");
            }
            BerFit? f = null;
            if (fit is not null)
            {
                double p = BerFit.RateOf(fit.FitPerMbit, fit.Hours);
                if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(fit), p, "FIT/Mbit × hours gives a per-bit flip probability outside (0, 1)");
                f = new BerFit(fit.FitPerMbit, mc.TotalBits, fit.Hours, p, fit.FitPerMbit * mc.TotalBits / (1 << 20), BayesianBer.Estimate(mc, p, tolerance, options, guard));
            }
            curves.Add(new BerDesignCurve(name, points, f));
        }
        return curves;
    }
}
