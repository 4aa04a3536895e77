// Known answers for the threshold chosen for recall on out-of-fold probabilities. The Clopper–Pearson lower bounds
// are SciPy's: scipy.stats.beta.ppf(0.05, x, n - x + 1).
using Neutron.Protection.Criticality;

namespace Neutron.Protection.Tests.Criticality;

public class RecallThresholdTests
{
    static PredictionScore Score(double[] critical, double[] acceptable) =>
        new(1, ForestKind.Balanced, critical.Length + acceptable.Length, critical.Length, 0.9, 0.9, default, 10)
        {
            OutOfFold = [.. critical, .. acceptable],
            Labels = [.. critical.Select(_ => true), .. acceptable.Select(_ => false)],
        };

    // 1,000 critical bits scored 1.0 down to 0.1009, 1,000 acceptable ones 0 up to 0.1998.
    static PredictionScore Thousand() => Score(
        [.. Enumerable.Range(0, 1000).Select(i => 1 - 0.0009 * i)],
        [.. Enumerable.Range(0, 1000).Select(j => j / 5000.0)]);

    [Fact]
    public void The_cut_is_the_largest_whose_lower_bound_of_recall_reaches_the_target()
    {
        // 995 of 1,000 is a recall of 0.995 but bounded below by 0.98952 only; 996 of 1,000 by 0.99087.
        var t = Threshold.ForRecall(Thousand(), 0.99);
        Assert.Equal(1 - 0.0009 * 995, t.Value);
        Assert.Equal(0.996, t.Recall);
        Assert.Equal(0.9908700474361285, t.RecallLower, 1e-9);
        Assert.True(t.Reached);
        int alarms = Enumerable.Range(0, 1000).Count(j => j / 5000.0 >= t.Value);
        Assert.Equal(100.0 * alarms / 2000, t.FalseAlarmPct);
        Assert.True(t.IsCritical(t.Value) && !t.IsCritical(t.Value - 1e-9));
    }

    [Fact]
    public void Too_few_critical_bits_keep_them_all_and_say_the_target_is_not_reached()
    {
        // 278 of 278 is bounded below by 0.98928 only: no cut promises 0.99, so every critical bit is kept.
        var few = Score([.. Enumerable.Range(0, 278).Select(i => 0.9 - 0.003 * i)], [0.01, 0.02, 0.5]);
        var t = Threshold.ForRecall(few, 0.99);
        Assert.False(t.Reached);
        Assert.Equal((0.9 - 0.003 * 277, 1.0), (t.Value, t.Recall));
        Assert.Equal(0.98928183788548, t.RecallLower, 1e-9);
        Assert.Equal(100.0 / 281, t.FalseAlarmPct, 1e-12); // 0.5 ≥ 0.069

        // 384 of 384 just reaches it (0.99223): the lowest critical score, reached.
        var enough = Score([.. Enumerable.Range(0, 384).Select(i => 0.9 - 0.002 * i)], [0.01]);
        var e = Threshold.ForRecall(enough, 0.99);
        Assert.True(e.Reached);
        Assert.Equal(0.9922289657036454, e.RecallLower, 1e-9);
        Assert.Equal(0.9 - 0.002 * 383, e.Value);
    }

    [Fact]
    public void Tied_scores_enter_together()
    {
        // 1,000 critical bits, the last 10 tied at 0.05: a cut at 0.05 catches all 1,000, at the score above 990.
        double[] critical = [.. Enumerable.Range(0, 990).Select(i => 1 - 0.0009 * i), .. Enumerable.Repeat(0.05, 10)];
        var t = Threshold.ForRecall(Score(critical, [0.0]), 0.99);
        Assert.Equal((0.05, 1.0), (t.Value, t.Recall));
    }

    [Fact]
    public void Without_both_classes_the_default_cut_stays()
    {
        var none = new PredictionScore(1, ForestKind.Balanced, 3, 0, double.NaN, double.NaN, default, 0) { OutOfFold = [0.1, 0.2, 0.3], Labels = [false, false, false] };
        Assert.Same(Threshold.Default, Threshold.ForRecall(none, 0.99));
        Assert.True(Threshold.Default.IsCritical(0.51) && !Threshold.Default.IsCritical(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Threshold.ForRecall(Thousand(), 0));
    }
}
