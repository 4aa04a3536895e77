// Results of a bit-error-rate Monte Carlo sweep (BitErrorRateMonteCarlo.cs): every sampled faulty model, and per
// rate the accuracy distribution's mean and central band. Plain data, stored by Neutron.Results and drawn by the
// report; the FIT arithmetic is FitEstimate.cs.
namespace Neutron.Analysis.Ber;

/// <summary>One sampled faulty model: how many stored bits flipped and the accuracy it reached.</summary>
public readonly record struct BerSample(double Rate, int Sample, long Flips, double Accuracy);

/// <param name="Lower">lower end of the central band of sampled accuracies (e.g. 5th percentile)</param>
/// <param name="Upper">upper end (e.g. 95th percentile)</param>
/// <param name="CriticalFraction">share of sampled models whose drop exceeds the tolerance</param>
public sealed record BerPoint(double Rate, int Samples, double MeanFlips, double MeanAccuracy, double Lower, double Upper,
    double CriticalFraction);

public sealed record BerResult(double GoldenAccuracy, long TotalBits, double BandLevel, double Tolerance,
    IReadOnlyList<BerPoint> Points, IReadOnlyList<BerSample> Samples);
