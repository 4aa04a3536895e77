// Statistical fault-injection sample size (Leveugle, Calvez, Maistri, Vanhauwaert, DATE 2009, eq. 3):
// n = N / (1 + e²(N − 1) / (t² p(1 − p))), for a population of N faults, margin e, critical value t of the
// confidence, and a prior estimate p of the rate (0.5, the worst case, when nothing is known). Used by the
// statistical planner (Planning/FaultPlanner.cs), network-wide or per stratum.
namespace Neutron.Analysis.Statistics;

public static class SampleSize
{
    /// <summary>Faults to inject out of <paramref name="population"/>, rounded up; never more than the population.</summary>
    public static long Leveugle(long population, double margin, double confidence, double p = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(population);
        if (!(margin > 0 && margin < 1)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "a margin strictly between 0 and 1 is needed, e.g. 0.01");
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "an estimated rate strictly between 0 and 1 is needed (0.5 when unknown)");
        if (population <= 1) return population;
        double t = Normal.CriticalValue(confidence);
        double n = population / (1 + margin * margin * (population - 1) / (t * t * p * (1 - p)));
        // Round up, but tolerate the last-bit noise that would turn an exact integer into the next one.
        return Math.Min(population, (long)Math.Ceiling(n - 1e-9));
    }
}
