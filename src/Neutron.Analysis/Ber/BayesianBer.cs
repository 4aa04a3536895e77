// The failure probability at one bit-error rate as a Bayesian estimate: P(fail) = P(a sampled faulty model's
// accuracy drop exceeds τ), with the Jeffreys posterior Beta(x + ½, n − x + ½) and its equal-tailed credible interval,
// sampled in rounds until the interval's half-width is at most `precision` × the posterior mean (or a budget ends).
// Two samplers:
// - plain: models as BitErrorRateMonteCarlo draws them (most have no flipped bit at a low BER and cost nothing);
// - conditioned: every model has at least one flip (FlipPositionsAtLeastOne), and P(fail) = π·θ with π = P(K ≥ 1) =
//   1 − (1 − p)^T known exactly and θ = P(fail | K ≥ 1) given its Jeffreys posterior, so the interval is π times θ's.
//   This is importance sampling over the number of flips with the exact binomial as reweighting: every model drawn
//   runs the network, none is wasted on K = 0.
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Ber;

public sealed record BayesianBerOptions
{
    public double Level { get; init; } = 0.95;
    /// <summary>Stop once the credible interval's half-width ≤ Precision × the posterior mean.</summary>
    public double Precision { get; init; } = 0.2;
    public int Batch { get; init; } = 50;
    public int MaxModels { get; init; } = 2000;
    public bool Conditioned { get; init; } = true;
    public ulong Seed { get; init; } = 1;
}

/// <param name="Models">faulty models drawn</param>
/// <param name="Inferences">models that ran the network (a model without flips is golden and costs nothing)</param>
/// <param name="Failures">models whose drop exceeded τ</param>
/// <param name="Scale">π = P(K ≥ 1) for the conditioned sampler, 1 for plain</param>
public sealed record BayesianBerPoint(double Rate, string Sampler, int Models, int Inferences, int Failures, double Scale,
    double Mean, Interval Credible, double RelativeError, bool Converged);

public static class BayesianBer
{
    public static BayesianBerPoint Estimate(BitErrorRateMonteCarlo mc, double rate, double tolerance, BayesianBerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mc);
        options ??= new BayesianBerOptions();
        if (!(rate > 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "the bit-error rate must lie in (0, 1)");
        if (options.Batch < 1 || options.MaxModels < 1) throw new ArgumentOutOfRangeException(nameof(options), "Batch and MaxModels must be ≥ 1");
        double scale = options.Conditioned ? -double.ExpM1(mc.TotalBits * double.LogP1(-rate)) : 1;
        int models = 0, inferences = 0, failures = 0;
        while (true)
        {
            int end = Math.Min(options.MaxModels, models + options.Batch);
            for (; models < end; models++)
            {
                var flips = options.Conditioned
                    ? BitErrorRateMonteCarlo.FlipPositionsAtLeastOne(options.Seed, rate, models, mc.TotalBits)
                    : BitErrorRateMonteCarlo.FlipPositions(options.Seed, rate, models, mc.TotalBits);
                if (flips.Count > 0) inferences++;
                if (100 * (mc.GoldenAccuracy - mc.AccuracyWithFlips(flips)) > tolerance) failures++;
            }
            var point = Point(rate, options, models, inferences, failures, scale);
            if (point.Converged || models >= options.MaxModels) return point;
        }
    }

    static BayesianBerPoint Point(double rate, BayesianBerOptions o, int n, int inferences, int failures, double scale)
    {
        var posterior = Intervals.JeffreysPosterior(failures, n);
        var ci = posterior.CredibleInterval(o.Level);
        double mean = scale * (failures + 0.5) / (n + 1);
        var interval = new Interval(scale * ci.Lower, scale * ci.Upper);
        double relative = interval.HalfWidth / mean;
        return new BayesianBerPoint(rate, o.Conditioned ? "conditioned" : "plain", n, inferences, failures, scale, mean, interval, relative, relative <= o.Precision);
    }
}
