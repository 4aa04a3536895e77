using Neutron.Analysis.Campaign;
using Neutron.Analysis.Sinks;

namespace Neutron.Analysis.Tests.Sinks;

public class SinkClassesTests
{
    [Theory]
    // Exact values: Σ_{j≥k} C(n,j) p^j (1−p)^(n−j) summed in rational arithmetic (Python fractions), then rounded.
    [InlineData(8, 10, 0.5, 0.0546875)]
    [InlineData(3, 20, 0.1, 0.323073194810534)]
    [InlineData(0, 20, 0.1, 1.0)]
    [InlineData(21, 20, 0.1, 0.0)]
    [InlineData(60, 100, 0.3, 5.129949815583161e-10)]
    [InlineData(1, 1000, 0.01, 0.9999568287525893)]
    public void BinomialUpperTailMatchesScipy(long k, long n, double p, double expected) =>
        Assert.Equal(expected, SinkClasses.BinomialUpperTail(k, n, p), expected * 1e-9 + 1e-15);

    [Fact]
    public void HolmMatchesR()
    {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
        var adjusted = SinkClasses.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(a => Math.Round(a, 12)).ToArray());
    }

    [Fact]
    public void ALayerThatSendsEverythingToOneClassMakesItASink()
    {
        // 4 classes, 40 images, golden right and balanced. Layer "sinky" moves 5 images per fault to class 3;
        // layer "spread" moves 3 images per fault to the three other classes in turn.
        int[] labels = Enumerable.Range(0, 40).Select(i => i % 4).ToArray();
        var faults = new List<FaultRecord>();
        var notThree = Enumerable.Range(0, 40).Where(i => labels[i] != 3).ToArray();
        for (int f = 0; f < 20; f++)
        {
            var sink = Enumerable.Range(0, 5).Select(j => new ChangedPrediction(notThree[(f * 5 + j) % notThree.Length], 3)).ToArray();
            faults.Add(new FaultRecord(f, "weight", "sinky", "sinky.w", f, 30, "flip", 40, 35, 5, 0, sink));
            var spread = Enumerable.Range(0, 3).Select(j =>
            {
                int image = (f * 3 + j) % 40;
                return new ChangedPrediction(image, (labels[image] + 1 + (f + j) % 3) % 4);
            }).ToArray();
            faults.Add(new FaultRecord(100 + f, "weight", "spread", "spread.w", f, 30, "flip", 40, 37, 3, 0, spread));
        }
        var cells = SinkClasses.Analyze(new CampaignData(4, labels, labels, faults));
        Assert.Equal(8, cells.Count);
        var sinks = cells.Where(c => c.IsSink).ToArray();
        var only = Assert.Single(sinks);
        Assert.Equal(("sinky", 3), (only.Layer, only.Class));
        Assert.Equal(100, only.Observed);
        Assert.Equal(100.0 / 3, only.Expected, 9);  // π3 / (1 − πg) = 0.25 / 0.75 for every changed prediction
        Assert.Equal(3.0, only.Ratio, 9);
        Assert.Equal(0.25, only.GoldenShare, 12);
        Assert.Equal((10 * 20 + 100) / 800.0, only.FaultyShare, 12);
        Assert.True(only.AdjustedPValue < 1e-10);
        Assert.All(cells.Where(c => c.Layer == "spread"), c => Assert.True(c.AdjustedPValue > 0.01));
    }
}
