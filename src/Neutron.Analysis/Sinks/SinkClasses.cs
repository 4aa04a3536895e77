// Sink classes: per layer, where do faults send the predictions they change? For each layer and class, the
// changed predictions landing in the class are tested against what chance would give, one-sided exact binomial,
// and the p-values of all (layer, class) tests are Holm-adjusted together (family-wise error, no independence
// assumption). Not a test of golden accuracy; the heatmap in the report reads Ratio.
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Statistics;

namespace Neutron.Analysis.Sinks;

/// <param name="Changed">changed predictions in this layer (all classes)</param>
/// <param name="Observed">changed predictions that landed in this class</param>
/// <param name="Expected">what chance gives: Changed × ExpectedShare</param>
/// <param name="FaultyShare">share of all faulty predictions (changed or not) in this class</param>
/// <param name="GoldenShare">share of golden predictions in this class</param>
public sealed record SinkCell(string Layer, int Class, long Changed, long Observed, double ExpectedShare,
    double FaultyShare, double GoldenShare, double PValue, double AdjustedPValue, bool IsSink)
{
    public double Expected => Changed * ExpectedShare;
    /// <summary>Observed over expected changed predictions (1 = chance; NaN when nothing changed).</summary>
    public double Ratio => Expected > 0 ? Observed / Expected : double.NaN;
}

public sealed record SinkOptions(double Alpha = 0.01, double MinRatio = 2.0);

public static class SinkClasses
{
    /// <summary>
    /// Null model: a changed prediction of an image whose golden top-1 is g falls in class c ≠ g with probability
    /// π_c / (1 − π_g), π being the golden prediction distribution. The per-layer expected share is the mean of
    /// that over the layer's changed predictions (a binomial approximation of a Poisson-binomial count).
    /// A sink is a class with Holm-adjusted p &lt; Alpha and Observed ≥ MinRatio × Expected.
    /// </summary>
    public static IReadOnlyList<SinkCell> Analyze(CampaignData data, SinkOptions? options = null)
    {
        options ??= new SinkOptions();
        int k = data.ClassCount;
        var goldenCount = new long[k];
        foreach (int g in data.GoldenTop1) goldenCount[g]++;
        double n = data.ImageCount;
        var pi = goldenCount.Select(c => c / n).ToArray();

        var cells = new List<SinkCell>();
        var pValues = new List<double>();
        foreach (var layer in data.Layers())
        {
            var observed = new long[k];
            var expectedSum = new double[k];
            var faulty = new long[k];
            long changed = 0, predictions = 0;
            foreach (var f in data.Faults)
            {
                if (f.Layer != layer) continue;
                for (int c = 0; c < k; c++) faulty[c] += goldenCount[c];
                predictions += data.ImageCount;
                foreach (var ch in f.Changed)
                {
                    int g = data.GoldenTop1[ch.Image];
                    observed[ch.Top1]++;
                    faulty[g]--;
                    faulty[ch.Top1]++;
                    changed++;
                    double rest = 1 - pi[g];
                    if (rest <= 0) continue; // the golden model predicts one class only: no chance baseline
                    for (int c = 0; c < k; c++) if (c != g) expectedSum[c] += pi[c] / rest;
                }
            }
            for (int c = 0; c < k; c++)
            {
                double share = changed == 0 ? 0 : expectedSum[c] / changed;
                double p = changed == 0 ? 1 : BinomialUpperTail(observed[c], changed, share);
                pValues.Add(p);
                cells.Add(new SinkCell(layer, c, changed, observed[c], share,
                    predictions == 0 ? 0 : (double)faulty[c] / predictions, pi[c], p, double.NaN, false));
            }
        }
        var adjusted = Holm(pValues);
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            bool sink = adjusted[i] < options.Alpha && cell.Observed >= options.MinRatio * cell.Expected && cell.Observed > 0;
            cells[i] = cell with { AdjustedPValue = adjusted[i], IsSink = sink };
        }
        return cells;
    }

    /// <summary>Holm's step-down adjustment: sorted ascending, p(i) × (m − i), made monotone, capped at 1.</summary>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        int m = p.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => p[i]).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int r = 0; r < m; r++)
        {
            running = Math.Max(running, Math.Min(1, (m - r) * p[order[r]]));
            adjusted[order[r]] = running;
        }
        return adjusted;
    }

    /// <summary>
    /// P(X ≥ k) for X ~ Binomial(n, p), summed exactly from the largest term of the smaller tail outward, so a
    /// starting term that underflows means the tail really is below double precision.
    /// </summary>
    public static double BinomialUpperTail(long k, long n, double p)
    {
        if (k <= 0) return 1;
        if (k > n || p <= 0) return 0;
        if (p >= 1) return 1;
        double odds = p / (1 - p);
        if (k > n * p)
        {
            // Upper tail, terms falling from j = k upward.
            double term = Math.Exp(LogPmf(k, n, p)), sum = 0;
            for (long j = k; j <= n && term > 0; j++)
            {
                sum += term;
                if (term < sum * 1e-17) break;
                term *= (double)(n - j) / (j + 1) * odds;
            }
            return Math.Min(1, sum);
        }
        // 1 − P(X ≤ k − 1), terms falling from j = k − 1 downward.
        double t = Math.Exp(LogPmf(k - 1, n, p)), lower = 0;
        for (long j = k - 1; j >= 0 && t > 0; j--)
        {
            lower += t;
            if (t < lower * 1e-17) break;
            t *= j / ((double)(n - j + 1) * odds);
        }
        return Math.Max(0, 1 - lower);
    }

    private static double LogPmf(long j, long n, double p) => LogChoose(n, j) + j * Math.Log(p) + (n - j) * double.LogP1(-p);

    private static double LogChoose(long n, long k) =>
        SpecialFunctions.LogGamma(n + 1) - SpecialFunctions.LogGamma(k + 1) - SpecialFunctions.LogGamma(n - k + 1);
}
