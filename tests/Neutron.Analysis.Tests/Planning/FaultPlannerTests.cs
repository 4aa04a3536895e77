// Planners: determinism, uniformity over (site, bit) (not "pick a layer first"), strata sizes, Leveugle sizes per
// stratum, shards that partition the plan, and the plan notation.
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;
using Neutron.Faults;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Tests.Planning;

public class FaultPlannerTests
{
    // Two sites of very different sizes: 3 and 13 elements, 4 bits each → 12 + 52 = 64 positions.
    static FaultSpace Small() => new([
        new FaultSite(FaultTarget.Weight, "small", "L1", "Conv", [3], 4),
        new FaultSite(FaultTarget.Weight, "big", "L2", "Gemm", [13], 4),
    ]);

    static FaultSpace Lenet() => new([
        new FaultSite(FaultTarget.Weight, "conv1.weight", "conv1", "Conv", [6, 1, 5, 5], 32),
        new FaultSite(FaultTarget.Weight, "conv1.bias", "conv1", "Conv", [6], 32),
        new FaultSite(FaultTarget.Weight, "fc.weight", "fc", "Gemm", [10, 84], 32),
    ]);

    [Fact]
    public void ExhaustiveIsEveryIndexInOrder()
    {
        var space = Small();
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i), FaultPlanner.Indices(space, new ExhaustivePlan(), 1));
        var plan = FaultPlanner.Plan(space, new ExhaustivePlan(), 1);
        Assert.Equal("weight:small@0#0", plan[0].Fault.ToString());
        Assert.Equal("weight:small@0#3", plan[3].Fault.ToString());
        Assert.Equal("weight:big@12#3", plan[63].Fault.ToString());
    }

    [Fact]
    public void SameSeedSamePlanOtherSeedOtherPlan()
    {
        var space = Lenet();
        var spec = PlanSpec.Parse("random:500");
        var a = FaultPlanner.Indices(space, spec, 7);
        Assert.Equal(a, FaultPlanner.Indices(space, spec, 7));
        Assert.NotEqual(a, FaultPlanner.Indices(space, spec, 8));
        Assert.Equal(500, a.Distinct().Count());
        Assert.True(a.SequenceEqual(a.Order()));
        Assert.All(a, i => Assert.InRange(i, 0, space.Size - 1));
    }

    [Fact]
    public void RandomIsUniformOverEverySiteAndBit()
    {
        // 4000 seeded plans of 8 out of 64: each position should be drawn 500 times. Chi-square with 63 degrees of
        // freedom: the 99.9 % point is 103.4 (scipy.stats.chi2.ppf(0.999, 63)). A pick-a-layer-first sampler puts
        // 4 of 8 draws on the 12-position site: 1333 per position there, and fails by far.
        var space = Small();
        var counts = new long[space.Size];
        const int plans = 4000, k = 8;
        for (ulong seed = 0; seed < plans; seed++)
            foreach (var i in FaultPlanner.Indices(space, new RandomPlan(k), seed)) counts[i]++;
        double expected = (double)plans * k / space.Size;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi2 < 103.4, $"chi-square {chi2:F1} over 63 df; counts {string.Join(",", counts)}");
        double smallShare = counts.Take(12).Sum() / (double)(plans * k);
        Assert.InRange(smallShare, 12 / 64.0 - 0.01, 12 / 64.0 + 0.01);
    }

    [Fact]
    public void FloydDrawsDistinctValuesWithEqualChances()
    {
        var hits = new int[10];
        for (ulong seed = 0; seed < 3000; seed++)
        {
            var drawn = FaultPlanner.Floyd(10, 3, seed, 99).ToArray();
            Assert.Equal(3, drawn.Distinct().Count());
            foreach (var d in drawn) hits[d]++;
        }
        // 900 expected each; chi-square 99.9 % point with 9 df is 27.9.
        double chi2 = hits.Sum(h => (h - 900.0) * (h - 900.0) / 900.0);
        Assert.True(chi2 < 27.9, $"chi-square {chi2:F1}: {string.Join(",", hits)}");
    }

    [Fact]
    public void RandomCountBeyondTheSpaceTakesItAll()
    {
        var space = Small();
        Assert.Equal(FaultPlanner.Indices(space, new ExhaustivePlan(), 0), FaultPlanner.Indices(space, new RandomPlan(1000), 0));
    }

    [Theory]
    [InlineData("stratified:per=layer,count=5", 2, 5)]
    [InlineData("stratified:per=bit,count=5", 4, 5)]
    [InlineData("stratified:per=layer-bit,count=2", 8, 2)]
    public void StratifiedDrawsCountPerStratum(string text, int strata, int perStratum)
    {
        var space = Small();
        var spec = (StratifiedPlan)PlanSpec.Parse(text);
        var indices = FaultPlanner.Indices(space, spec, 3);
        Assert.Equal(strata * perStratum, indices.Length);
        Assert.Equal(indices.Length, indices.Distinct().Count());
        var points = indices.Select(space.Locate).ToList();
        var groups = spec.Per switch
        {
            Stratification.Layer => points.GroupBy(p => p.Site.Tensor).Select(g => g.Count()),
            Stratification.Bit => points.GroupBy(p => p.Bit.ToString()).Select(g => g.Count()),
            _ => points.GroupBy(p => $"{p.Site.Tensor}#{p.Bit}").Select(g => g.Count()),
        };
        Assert.All(groups, c => Assert.Equal(perStratum, c));
        Assert.Equal(strata, groups.Count());
    }

    [Fact]
    public void LayerBitStratumMapsToItsBitOnly()
    {
        var space = new FaultSpace([new FaultSite(FaultTarget.Weight, "w", "L", "Conv", [7], 8)], null, 2, 5);
        var strata = Strata.Of(space, Stratification.LayerBit);
        Assert.Equal(4, strata.Count);
        for (int s = 0; s < 4; s++)
            for (long j = 0; j < 7; j++)
            {
                var p = space.Locate(strata[s].ToFlat(j));
                Assert.Equal((j, 2 + s), (p.Element, p.Bit));
            }
    }

    [Fact]
    public void StatisticalUsesLeveuglePerStratum()
    {
        var space = Lenet();
        var whole = FaultPlanner.Indices(space, PlanSpec.Parse("statistical:margin=0.05,confidence=0.95"), 1);
        Assert.Equal(SampleSize.Leveugle(space.Size, 0.05, 0.95), whole.Length);
        var perLayer = FaultPlanner.Indices(space, PlanSpec.Parse("statistical:margin=0.05,confidence=0.95,per=layer"), 1);
        long expected = Enumerable.Range(0, space.Sites.Count).Sum(s => SampleSize.Leveugle(space.Range(s).Count, 0.05, 0.95));
        Assert.Equal(expected, perLayer.Length);
        Assert.Equal(129, perLayer.Count(i => space.Locate(i).Site.Tensor == "conv1.bias")); // 192 / (1 + 0.05²·191 / (1.96²·¼)) = 128.2
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void ShardsPartitionThePlan(int n)
    {
        var plan = FaultPlanner.Plan(Lenet(), new RandomPlan(100), 5);
        var shards = Enumerable.Range(1, n).Select(k => FaultPlanner.Shard(plan, k, n)).ToList();
        var union = shards.SelectMany(s => s).OrderBy(f => f.Index).ToList();
        Assert.Equal(plan, union);
        Assert.Equal(plan.Length, union.Select(f => f.Index).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => FaultPlanner.Shard(plan, 0, n));
    }

    [Theory]
    [InlineData("exhaustive", "exhaustive")]
    [InlineData("random:100", "random:100")]
    [InlineData("Stratified:count=3,per=layer-bit", "stratified:per=layer-bit,count=3")]
    [InlineData("statistical:margin=0.01,confidence=0.99,per=layer", "statistical:margin=0.01,confidence=0.99,per=layer")]
    [InlineData("statistical", "statistical:margin=0.01,confidence=0.99")]
    [InlineData("importance:count=50", "importance:count=50,alpha=0.1,damage=0.3,score=margin")]
    [InlineData("importance:count=50,alpha=1", "importance:count=50,alpha=1,damage=0,score=margin")]
    [InlineData("importance:count=50,alpha=0.8,score=ce", "importance:count=50,alpha=0.8,damage=0.2,score=ce")]
    [InlineData("importance:count=50,damage=0", "importance:count=50,alpha=0.1,damage=0,score=margin")]
    public void PlanTextRoundTrips(string text, string canonical)
    {
        Assert.Equal(canonical, PlanSpec.Parse(text).ToString());
        Assert.Equal(PlanSpec.Parse(canonical), PlanSpec.Parse(text));
    }

    [Theory]
    [InlineData("random", "random:COUNT")]
    [InlineData("random:-5", "not a positive integer")]
    [InlineData("stratified:per=channel,count=3", "per=channel is unknown")]
    [InlineData("statistical:margin=2", "strictly between 0 and 1")]
    [InlineData("statistical:margin=0.01,foo=1", "option 'foo' is unknown")]
    [InlineData("everything", "use exhaustive")]
    public void BadPlanTextSaysWhy(string text, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => PlanSpec.Parse(text));
        Assert.Contains(reason, e.Message);
    }
}
