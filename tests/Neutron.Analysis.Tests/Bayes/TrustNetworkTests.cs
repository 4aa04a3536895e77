using Neutron.Analysis.Bayes;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Tests.Campaign;

namespace Neutron.Analysis.Tests.Bayes;

public class TrustNetworkTests
{
    [Fact]
    public void FaultyTableIsTheFaultFreeOnePlusObservedChanges()
    {
        var net = TrustNetwork.Build(HandMade.ThreeClasses(), alpha: 0.5);
        // True 0: both images golden 0, so P(g | t=0) = (2.5, 0.5, 0.5) / 3.5. Given (t=0, g=0) the 4 (fault, image)
        // trials changed once, to 2; pairs never observed keep their golden prediction.
        var p = net.PredictionGivenTrueAndLayer(0, 0);
        Assert.Equal(2.5 / 3.5 * 3 / 4, p[0], 12);
        Assert.Equal(0.5 / 3.5 + 2.5 / 3.5 / 4, p[2], 12);
        Assert.Equal(1.0, p.Sum(), 12);
    }

    [Fact]
    public void TrustMixesFaultFreeAndFaultyBehaviour()
    {
        var net = TrustNetwork.Build(HandMade.ThreeClasses(), alpha: 1e-9);
        // p = 0: golden predicts 0 on images 0, 1 (true 0) and 5 (true 2) → 2/3.
        Assert.Equal(2.0 / 3, net.Trust(0, 0).Trust, 6);
        // p = 1: P(o=0 | t) = 3/4, 1/2, 1/4 for t = 0, 1, 2 (worked out in HandMade) with uniform P(t) → 0.5.
        Assert.Equal(0.5, net.Trust(0, 1).Trust, 6);
        // p = 0.5: P(o=0 | t) = ½ P(golden=0 | t) + ½ P(faulty=0 | t) = ½(1, 0, ½) + ½(¾, ½, ¼) → 0.875 / 1.5.
        Assert.Equal(0.875 / 1.5, net.Trust(0, 0.5).Trust, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Trust(0, 1.5));
    }

    [Fact]
    public void TrustFallsWithTheFaultProbabilityWhenFaultsOnlyHurt()
    {
        // 20 images per class of 10, all right when fault-free; every fault turns a few right answers wrong. With the
        // default prior the trust of every class must fall as p grows (a prior that shrinks only the fault-free table
        // made it rise).
        int k = 10, perClass = 20;
        var labels = Enumerable.Range(0, k * perClass).Select(i => i % k).ToArray();
        var faults = Enumerable.Range(0, 300).Select(j => new FaultRecord(j, "weight", j % 3 == 0 ? "a" : "b", "w", j, 30, "flip", labels.Length,
            labels.Length - 2, 2, 0, [new ChangedPrediction(j % labels.Length, (labels[j % labels.Length] + 1) % k), new ChangedPrediction((j * 7 + 3) % labels.Length, (labels[(j * 7 + 3) % labels.Length] + 3) % k)])).ToList();
        var net = TrustNetwork.Build(new CampaignData(k, labels, labels, faults));
        for (int c = 0; c < k; c++)
        {
            double last = double.PositiveInfinity;
            foreach (double p in new[] { 0, 0.1, 0.5, 0.9, 1 })
            {
                double trust = net.Trust(c, p).Trust;
                Assert.True(trust < last, $"class {c}: trust {trust} at p = {p} does not fall below {last}");
                last = trust;
            }
        }
    }

    [Fact]
    public void LayersAreWeightedByTheirShareOfTheFaultSpace()
    {
        var d = HandMade.ThreeClasses();
        var net = TrustNetwork.Build(new CampaignData(d.ClassCount, d.Labels, d.GoldenTop1, d.Faults) { LayerSizes = new Dictionary<string, double> { ["L"] = 10 } });
        Assert.Equal(1.0, net.LayerProbability(0));
        var two = d.Faults.Select((f, i) => f with { Layer = i == 0 ? "big" : "small" }).ToList();
        var weighted = TrustNetwork.Build(new CampaignData(d.ClassCount, d.Labels, d.GoldenTop1, two)
            { LayerSizes = new Dictionary<string, double> { ["big"] = 900, ["small"] = 100 } });
        Assert.Equal(0.9, weighted.LayerProbability(weighted.Layers.ToList().IndexOf("big")), 12); // one fault each, but 9:1 in bits
    }

    [Fact]
    public void AThousandClassesFitInBoundedMemory()
    {
        int k = 1000, n = 2000;
        var random = new Random(5);
        var labels = Enumerable.Range(0, n).Select(i => i % k).ToArray();
        var golden = labels.Select(l => random.Next(4) == 0 ? random.Next(k) : l).ToArray();
        var faults = Enumerable.Range(0, 400).Select(j =>
        {
            var changed = Enumerable.Range(0, 5).Select(_ => random.Next(n)).Distinct().Order().Select(i => new ChangedPrediction(i, (golden[i] + 1 + random.Next(k - 1)) % k)).ToArray();
            return new FaultRecord(j, "weight", $"layer{j % 20}", $"t{j % 20}", j, 30, "flip", n, n / 2, changed.Length, 0, changed);
        }).ToList();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var net = TrustNetwork.Build(new CampaignData(k, labels, golden, faults));
        var trust = net.TrustAll(0.5);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(k, trust.Count);
        Assert.True(allocated < 200L << 20, $"{allocated >> 20} MiB allocated for 1,000 classes");
    }
}
