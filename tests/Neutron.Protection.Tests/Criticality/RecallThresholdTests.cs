// Known answers for the threshold chosen for recall on out-of-fold probabilities.
using Neutron.Protection.Criticality;

namespace Neutron.Protection.Tests.Criticality;

public class RecallThresholdTests
{
    // Ten critical bits scored 0.95 … 0.05 and ten acceptable ones scored 0.5 … 0.0.
    static PredictionScore Score()
    {
        double[] critical = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.05];
        double[] acceptable = [0.5, 0.45, 0.35, 0.25, 0.15, 0.1, 0.04, 0.03, 0.02, 0.0];
        return new PredictionScore(1, ForestKind.Balanced, 20, 10, 0.9, 0.9, default, 10)
        {
            OutOfFold = [.. critical, .. acceptable],
            Labels = [.. critical.Select(_ => true), .. acceptable.Select(_ => false)],
        };
    }

    [Fact]
    public void The_threshold_is_the_largest_that_keeps_the_target_recall()
    {
        var t = Threshold.ForRecall(Score(), 0.9); // nine of ten: down to the ninth-largest critical score, 0.2
        Assert.Equal((0.2, 0.9), (t.Value, t.Recall));
        Assert.Equal(100.0 * 4 / 20, t.FalseAlarmPct); // 0.5, 0.45, 0.35, 0.25 are ≥ 0.2
        Assert.True(t.IsCritical(0.2) && !t.IsCritical(0.19));

        var all = Threshold.ForRecall(Score(), 1.0);
        Assert.Equal((0.05, 1.0, 100.0 * 6 / 20), (all.Value, all.Recall, all.FalseAlarmPct));
        Assert.Equal(0.7, Threshold.ForRecall(Score(), 0.5).Value);
    }

    [Fact]
    public void Without_both_classes_the_default_cut_stays()
    {
        var none = new PredictionScore(1, ForestKind.Balanced, 3, 0, double.NaN, double.NaN, default, 0) { OutOfFold = [0.1, 0.2, 0.3], Labels = [false, false, false] };
        Assert.Same(Threshold.Default, Threshold.ForRecall(none, 0.99));
        Assert.True(Threshold.Default.IsCritical(0.51) && !Threshold.Default.IsCritical(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Threshold.ForRecall(Score(), 0));
    }
}
