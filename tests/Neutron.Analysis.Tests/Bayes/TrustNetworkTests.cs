using Neutron.Analysis.Bayes;
using Neutron.Analysis.Tests.Campaign;

namespace Neutron.Analysis.Tests.Bayes;

public class TrustNetworkTests
{
    [Fact]
    public void ConditionalTableIsTheDirichletPosteriorMean()
    {
        var net = TrustNetwork.Build(HandMade.ThreeClasses(), alpha: 0.5);
        // True 0: both images golden 0, so P(g | t=0) = (2.5, 0.5, 0.5) / 3.5. Faulty given (t=0, g=0): 4 trials,
        // one moved to 2 → (3.5, 0.5, 1.5) / 5.5. (t=0, g≠0) has no data: uniform.
        var p = net.PredictionGivenTrueAndLayer(0, 0);
        Assert.Equal(2.5 / 3.5 * 3.5 / 5.5 + 2 * (0.5 / 3.5) / 3, p[0], 12);
        Assert.Equal(2.5 / 3.5 * 1.5 / 5.5 + 2 * (0.5 / 3.5) / 3, p[2], 12);
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
}
