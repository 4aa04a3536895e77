// Scores of a binary classifier against the truth: ROC AUC (Mann–Whitney, tied scores at their average rank, as
// scikit-learn's roc_auc_score), PR AUC as average precision (Σ (Rₖ − Rₖ₋₁) Pₖ over distinct thresholds, no
// interpolation, as scikit-learn's average_precision_score), and the confusion counts at a probability threshold
// (positive when the score exceeds it). Both AUCs are NaN when one class is absent.
namespace Neutron.Protection.Forest;

/// <summary>Confusion counts; shares are of all rows.</summary>
public readonly record struct Confusion(long TrueNegative, long FalsePositive, long FalseNegative, long TruePositive)
{
    public long Total => TrueNegative + FalsePositive + FalseNegative + TruePositive;
    public double Share(long count) => Total == 0 ? double.NaN : (double)count / Total;
    /// <summary>Critical rows found: TP / (TP + FN); NaN without positives.</summary>
    public double Recall => TruePositive + FalseNegative == 0 ? double.NaN : (double)TruePositive / (TruePositive + FalseNegative);

    public static Confusion operator +(Confusion a, Confusion b) =>
        new(a.TrueNegative + b.TrueNegative, a.FalsePositive + b.FalsePositive, a.FalseNegative + b.FalseNegative, a.TruePositive + b.TruePositive);
}

public static class BinaryMetrics
{
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        Check(scores, labels);
        int n = scores.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        double positiveRanks = 0;
        long positives = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // ranks i+1..j+1, averaged
            for (int k = i; k <= j; k++)
                if (labels[order[k]]) { positiveRanks += rank; positives++; }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    public static double AveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        Check(scores, labels);
        int n = scores.Count;
        long positives = labels.LongCount(l => l);
        if (positives == 0 || positives == n) return positives == 0 ? double.NaN : 1.0;
        var order = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ToArray();
        double ap = 0, lastRecall = 0;
        long tp = 0, fp = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            for (int k = i; k <= j; k++) { if (labels[order[k]]) tp++; else fp++; }
            double recall = (double)tp / positives, precision = (double)tp / (tp + fp);
            ap += (recall - lastRecall) * precision;
            lastRecall = recall;
            i = j + 1;
        }
        return ap;
    }

    public static Confusion Confuse(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double threshold = 0.5)
    {
        Check(scores, labels);
        long tn = 0, fp = 0, fn = 0, tp = 0;
        for (int i = 0; i < scores.Count; i++)
        {
            bool predicted = scores[i] > threshold;
            if (labels[i]) { if (predicted) tp++; else fn++; }
            else if (predicted) fp++;
            else tn++;
        }
        return new Confusion(tn, fp, fn, tp);
    }

    private static void Check(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores for {labels.Count} labels", nameof(labels));
        foreach (double s in scores) if (double.IsNaN(s)) throw new ArgumentException("a score is NaN", nameof(scores));
    }
}
