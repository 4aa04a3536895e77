// Adaptive stopping on synthetic outcome functions: each stratum stops at the first round whose Jeffreys interval
// is narrow enough (not before, not after), draws without replacement, exhausts small strata, is a pure function of
// (space, spec, seed, outcomes), and a sampler replayed from recorded outcomes continues exactly as the original.
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;
using Neutron.Faults;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Tests.Planning;

public class AdaptiveSamplerTests
{
    // Three layers: 6 × 32 = 192 positions (small: gets exhausted), 840 × 32 = 26,880 and 2,400 × 32 = 76,800.
    static FaultSpace Space() => new([
        new FaultSite(FaultTarget.Weight, "bias", "L0", "Conv", [6], 32),
        new FaultSite(FaultTarget.Weight, "fc", "L1", "Gemm", [10, 84], 32),
        new FaultSite(FaultTarget.Weight, "conv", "L2", "Conv", [16, 6, 5, 5], 32),
    ]);

    // Synthetic outcome: bit 30 always critical, bits 23-29 when the element index is a multiple of 3, else never.
    static bool Critical(Fault f) => f.Bit == 30 || (f.Bit is >= 23 and < 30 && f.Index % 3 == 0);

    static (List<IReadOnlyList<PlannedFault>> Rounds, List<IReadOnlyList<AdaptiveStratum>> After) RunAll(AdaptiveSampler sampler, Func<Fault, bool> critical)
    {
        var rounds = new List<IReadOnlyList<PlannedFault>>();
        var after = new List<IReadOnlyList<AdaptiveStratum>>();
        for (var round = sampler.NextRound(); round.Count > 0; round = sampler.NextRound())
        {
            foreach (var f in round) sampler.Record(f.Index, critical(f.Fault));
            rounds.Add(round);
            after.Add(sampler.Strata);
        }
        return (rounds, after);
    }

    [Fact]
    public void EachStratumStopsAtTheFirstRoundWhoseIntervalIsNarrowEnough()
    {
        var spec = new AdaptivePlan(0.02, 0.99, Stratification.Layer, Batch: 50);
        var (rounds, after) = RunAll(new AdaptiveSampler(Space(), spec, 5), Critical);
        Assert.NotEmpty(rounds);
        for (int s = 0; s < 3; s++)
        {
            var final = after[^1][s];
            // Draws come in whole rounds (the last may be cut by the stratum's end).
            bool narrow = Intervals.Jeffreys(final.Critical, final.Observed, 0.99).HalfWidth <= 0.02;
            Assert.True(narrow || final.Exhausted, $"{final.Name} stopped at {final.Critical}/{final.Observed}, neither narrow nor exhausted");
            // Every earlier round of this stratum was still too wide, so it could not have stopped sooner.
            var earlier = after.Select(a => a[s]).Where(x => x.Observed < final.Observed).ToList();
            Assert.All(earlier, x => Assert.True(Intervals.Jeffreys(x.Critical, x.Observed, 0.99).HalfWidth > 0.02, $"{x.Name} was narrow at {x.Critical}/{x.Observed} yet went on"));
            Assert.All(earlier, x => Assert.Equal(0, x.Observed % 50));
        }
        // The 192-position stratum: the rate is (1 + 7/3)/32 ≈ 0.10, which needs ~1,500 draws at ±2 %: exhausted, exact.
        var bias = after[^1][0];
        Assert.True(bias.Exhausted);
        Assert.Equal(6 + 2 * 7, bias.Critical); // bit 30 of 6 elements + bits 23-29 of elements 0 and 3
        // No position drawn twice; every fault inside the space.
        var all = rounds.SelectMany(r => r).ToList();
        Assert.Equal(all.Count, all.Select(f => f.Fault.ToString()).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => (long)i), all.Select(f => f.Index).Order());
    }

    [Fact]
    public void AStratumWithNoCriticalFaultStopsWhereTheJeffreysBoundSaysSo()
    {
        // Never critical: the outcome sequence does not depend on the draws, so the stopping point is known in
        // advance: the first multiple of the batch with Jeffreys(0, n) half-width ≤ margin.
        var spec = new AdaptivePlan(0.01, 0.99, Stratification.None, Batch: 25);
        var (rounds, after) = RunAll(new AdaptiveSampler(Space(), spec, 1), _ => false);
        long expected = 25;
        while (Intervals.Jeffreys(0, expected, 0.99).HalfWidth > 0.01) expected += 25;
        Assert.Equal(expected, after[^1][0].Observed);
        Assert.Equal(expected / 25, rounds.Count);
        Assert.True(expected is > 100 and < 1000, $"{expected}"); // sanity: about χ²(0.99)/2 / (2 e) ≈ 170
    }

    [Fact]
    public void SameSeedSameRoundsOtherSeedOtherDraws()
    {
        var spec = new AdaptivePlan(0.03, 0.95, Stratification.Layer, Batch: 40);
        var a = RunAll(new AdaptiveSampler(Space(), spec, 9), Critical).Rounds;
        var b = RunAll(new AdaptiveSampler(Space(), spec, 9), Critical).Rounds;
        var c = RunAll(new AdaptiveSampler(Space(), spec, 10), Critical).Rounds;
        Assert.Equal(a.SelectMany(r => r), b.SelectMany(r => r));
        Assert.NotEqual(a[0].Select(f => f.Fault), c[0].Select(f => f.Fault));
    }

    [Fact]
    public void DrawsAreUniformWithoutReplacement()
    {
        // One 64-position stratum (2 elements × 32 bits), first round of 8 over 4,000 seeds: each position 500 times.
        // Chi-square, 63 df, 99.9 % point 103.4 (scipy.stats.chi2.ppf(0.999, 63)).
        var space = new FaultSpace([new FaultSite(FaultTarget.Weight, "w", "L", "Gemm", [2], 32)]);
        var counts = new long[64];
        for (ulong seed = 0; seed < 4000; seed++)
        {
            var round = new AdaptiveSampler(space, new AdaptivePlan(0.01, 0.99, Batch: 8), seed).NextRound();
            Assert.Equal(8, round.Select(f => f.Fault).Distinct().Count());
            foreach (var f in round) counts[f.Fault.Index * 32 + f.Fault.Bit]++;
        }
        double chi2 = counts.Sum(c => (c - 500.0) * (c - 500.0) / 500.0);
        Assert.True(chi2 < 103.4, $"chi-square {chi2:F1}: {string.Join(",", counts)}");
    }

    [Fact]
    public void ReplayFromRecordedOutcomesContinuesIdentically()
    {
        var spec = new AdaptivePlan(0.02, 0.99, Stratification.Layer, Batch: 30);
        var whole = RunAll(new AdaptiveSampler(Space(), spec, 3), Critical).Rounds;
        Assert.True(whole.Count >= 3);
        // "Killed" after two rounds: a new sampler replays them from the recorded outcomes, then goes on alone.
        var recorded = whole.Take(2).SelectMany(r => r).ToDictionary(f => f.Index, f => Critical(f.Fault));
        var resumed = new AdaptiveSampler(Space(), spec, 3);
        var rounds = new List<IReadOnlyList<PlannedFault>>();
        for (var round = resumed.NextRound(); round.Count > 0; round = resumed.NextRound())
        {
            foreach (var f in round) resumed.Record(f.Index, recorded.TryGetValue(f.Index, out bool c) ? c : Critical(f.Fault));
            rounds.Add(round);
        }
        Assert.Equal(whole.SelectMany(r => r), rounds.SelectMany(r => r));
    }

    [Fact]
    public void MisuseIsRefused()
    {
        var sampler = new AdaptiveSampler(Space(), new AdaptivePlan(0.05, 0.9, Batch: 10), 1);
        var round = sampler.NextRound();
        Assert.Throws<InvalidOperationException>(() => sampler.NextRound());
        sampler.Record(round[0].Index, false);
        Assert.Throws<ArgumentException>(() => sampler.Record(round[0].Index, false));
        Assert.Throws<ArgumentException>(() => sampler.Record(12345, false));
    }

    [Fact]
    public void PlanNotationRoundTrips()
    {
        var spec = PlanSpec.Parse("adaptive:margin=0.01,level=0.99,per=layer-bit,batch=64");
        Assert.Equal(new AdaptivePlan(0.01, 0.99, Stratification.LayerBit, 64, 1.0), spec);
        Assert.Equal(spec, PlanSpec.Parse(spec.ToString()));
        Assert.Equal(new AdaptivePlan(0.01, 0.99), PlanSpec.Parse("adaptive"));
        Assert.Equal(2.5, ((AdaptivePlan)PlanSpec.Parse("adaptive:tolerance=2.5")).Tolerance);
        Assert.Throws<ArgumentException>(() => PlanSpec.Parse("adaptive:confidence=0.99"));
        Assert.Throws<ArgumentException>(() => PlanSpec.Parse("adaptive:batch=0"));
        Assert.Throws<ArgumentException>(() => PlanSpec.Parse("adaptive:level=1.5"));
        Assert.Throws<ArgumentException>(() => FaultPlanner.Indices(Space(), spec, 1));
    }

    [Fact]
    public void DryRunSizeIsTheWorstCaseInWholeRounds()
    {
        // ±1 % at 99 %: t²/(4e²) = 2.5758² / 0.0004 = 16,587 → 166 rounds of 100 = 16,600; small strata capped.
        var sizes = FaultPlanner.Sizes(Space(), new AdaptivePlan(0.01, 0.99, Stratification.Layer));
        Assert.Equal([192L, 16_600L, 16_600L], sizes.Select(s => s.Draws));
    }
}
