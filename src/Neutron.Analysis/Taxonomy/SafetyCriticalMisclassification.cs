// Safety-critical misclassification (SCM) rates: over (fault, image) pairs, how often faulty inference is right,
// an SCM, or a harmless misclassification; split by whether the golden model got the image right, beside the
// golden model's own rates. Two rates per row: per trial, and as a share of misclassifications (TensorFI+'s, so SCM
// and non-SCM add up to 100 %). Truth is the dataset label. Counts only; intervals come from Statistics.
using Neutron.Analysis.Campaign;

namespace Neutron.Analysis.Taxonomy;

/// <summary>One row of the SCM table: trials and how they split.</summary>
/// <param name="Scope">"golden", "faulty | golden right", "faulty | golden wrong", "faulty (all)"</param>
public sealed record ScmRow(string Scope, long Trials, long Correct, long Scm, long NonScm)
{
    public double ScmProbability => Trials == 0 ? double.NaN : (double)Scm / Trials;
    public double NonScmProbability => Trials == 0 ? double.NaN : (double)NonScm / Trials;
    public double CorrectProbability => Trials == 0 ? double.NaN : (double)Correct / Trials;
    /// <summary>Misclassified trials (SCM + non-SCM).</summary>
    public long Misclassified => Scm + NonScm;
    /// <summary>TensorFI+'s SCM rate: the share of misclassifications that are safety-critical (with the non-SCM
    /// share it adds up to 100 %).</summary>
    public double ScmShareOfMisclassifications => Misclassified == 0 ? double.NaN : (double)Scm / Misclassified;
}

public static class SafetyCriticalMisclassification
{
    public static IReadOnlyList<ScmRow> Analyze(CampaignData data, ClassTaxonomy taxonomy)
    {
        taxonomy.CheckClassCount(data.ClassCount);
        int n = data.ImageCount;
        // Outcome kind per (true, predicted): 0 correct, 1 SCM, 2 non-SCM.
        int Kind(int t, int p) => t == p ? 0 : taxonomy.IsScm(t, p) ? 1 : 2;

        // The golden model, and each image's golden outcome, which a fault keeps unless it changes the top-1.
        var goldenKind = new int[n];
        var right = new long[3];
        var wrong = new long[3];
        long rightImages = 0;
        for (int i = 0; i < n; i++)
        {
            goldenKind[i] = Kind(data.Labels[i], data.GoldenTop1[i]);
            if (goldenKind[i] == 0) rightImages++;
        }
        long wrongImages = n - rightImages;
        var golden = new long[3];
        foreach (int k in goldenKind) golden[k]++;

        foreach (var f in data.Faults)
        {
            if (f.Images != n)
                throw new ArgumentException($"fault {f.Index} was evaluated on {f.Images} images, the campaign has {n}; SCM rates need every fault on every image", nameof(data));
            right[0] += rightImages;
            for (int k = 0; k < 3; k++) wrong[k] += golden[k] - (k == 0 ? rightImages : 0);
            foreach (var c in f.Changed)
            {
                int before = goldenKind[c.Image];
                int after = Kind(data.Labels[c.Image], c.Top1);
                var counts = before == 0 ? right : wrong;
                counts[before]--;
                counts[after]++;
            }
        }
        static ScmRow Row(string scope, long[] k) => new(scope, k[0] + k[1] + k[2], k[0], k[1], k[2]);
        var all = new long[3];
        for (int k = 0; k < 3; k++) all[k] = right[k] + wrong[k];
        return
        [
            Row("golden", golden),
            Row("faulty | golden right", right),
            Row("faulty | golden wrong", wrong),
            Row("faulty (all)", all),
        ];
    }
}
