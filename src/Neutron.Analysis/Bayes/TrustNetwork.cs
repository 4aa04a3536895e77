// A small Bayesian network over one campaign: Layer → Faulty prediction ← (True class → Golden prediction).
// Conditional tables are campaign counts plus a symmetric Dirichlet prior (posterior means); queries are answered
// by exact enumeration over the few discrete variables, never by sampling. A fault occurs with probability p;
// with 1 − p the output is the golden prediction. Counting only: no I/O, no intervals.
using Neutron.Analysis.Campaign;

namespace Neutron.Analysis.Bayes;

/// <summary>P(true = c | output = c) for one class at one fault probability.</summary>
public sealed record ClassTrust(int Class, double FaultProbability, double Trust, double OutputProbability);

public sealed class TrustNetwork
{
    // pLayer[l], pTrue[t], pGolden[t, g], pFaulty[l][t, g, f]
    private readonly double[] pLayer;
    private readonly double[] pTrue;
    private readonly double[,] pGolden;
    private readonly double[][,,] pFaulty;

    private TrustNetwork(IReadOnlyList<string> layers, int classCount, double[] pLayer, double[] pTrue, double[,] pGolden, double[][,,] pFaulty)
    {
        Layers = layers;
        ClassCount = classCount;
        this.pLayer = pLayer;
        this.pTrue = pTrue;
        this.pGolden = pGolden;
        this.pFaulty = pFaulty;
    }

    public IReadOnlyList<string> Layers { get; }
    public int ClassCount { get; }

    /// <summary>
    /// Builds the tables. P(layer) follows the campaign's fault counts per layer, which for an exhaustive or uniform
    /// campaign is each layer's share of the fault space; every table gets <paramref name="alpha"/> pseudo-counts
    /// per cell (0.5: Jeffreys-like; larger smooths rare (true, golden) pairs more).
    /// </summary>
    public static TrustNetwork Build(CampaignData data, double alpha = 0.5)
    {
        if (!(alpha > 0)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the Dirichlet pseudo-count must be > 0");
        if (data.Faults.Count == 0) throw new ArgumentException("the campaign has no faults", nameof(data));
        int k = data.ClassCount;
        var layers = data.Layers();
        var layerIndex = layers.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);

        var pairCount = new double[k, k]; // images per (true, golden)
        for (int i = 0; i < data.ImageCount; i++) pairCount[data.Labels[i], data.GoldenTop1[i]]++;

        var trueCount = new double[k];
        for (int t = 0; t < k; t++) for (int g = 0; g < k; g++) trueCount[t] += pairCount[t, g];
        var pTrue = Normalize(trueCount, alpha);

        var pGolden = new double[k, k];
        for (int t = 0; t < k; t++)
        {
            double total = trueCount[t] + alpha * k;
            for (int g = 0; g < k; g++) pGolden[t, g] = (pairCount[t, g] + alpha) / total;
        }

        var layerFaults = new double[layers.Count];
        var counts = new double[layers.Count][,,];
        for (int l = 0; l < layers.Count; l++) counts[l] = new double[k, k, k];
        foreach (var f in data.Faults)
        {
            int l = layerIndex[f.Layer];
            layerFaults[l]++;
            var c = counts[l];
            for (int t = 0; t < k; t++) for (int g = 0; g < k; g++) c[t, g, g] += pairCount[t, g];
            foreach (var ch in f.Changed)
            {
                int t = data.Labels[ch.Image], g = data.GoldenTop1[ch.Image];
                c[t, g, g]--;
                c[t, g, ch.Top1]++;
            }
        }
        var pLayer = Normalize(layerFaults, 0);
        var pFaulty = new double[layers.Count][,,];
        for (int l = 0; l < layers.Count; l++)
        {
            var c = counts[l];
            var p = new double[k, k, k];
            for (int t = 0; t < k; t++)
                for (int g = 0; g < k; g++)
                {
                    double total = alpha * k;
                    for (int f = 0; f < k; f++) total += c[t, g, f];
                    for (int f = 0; f < k; f++) p[t, g, f] = (c[t, g, f] + alpha) / total;
                }
            pFaulty[l] = p;
        }
        return new TrustNetwork(layers, k, pLayer, pTrue, pGolden, pFaulty);
    }

    public double LayerProbability(int layer) => pLayer[layer];
    public double TrueProbability(int cls) => pTrue[cls];

    /// <summary>P(faulty prediction = f | true = t, layer = l) = Σ_g P(g | t) P(f | l, t, g).</summary>
    public double[] PredictionGivenTrueAndLayer(int trueClass, int layer)
    {
        var result = new double[ClassCount];
        for (int g = 0; g < ClassCount; g++)
            for (int f = 0; f < ClassCount; f++)
                result[f] += pGolden[trueClass, g] * pFaulty[layer][trueClass, g, f];
        return result;
    }

    /// <summary>
    /// P(output = o | true = t) when a fault occurs with probability p:
    /// (1 − p) P(golden = o | t) + p Σ_l P(l) Σ_g P(g | t) P(o | l, t, g).
    /// </summary>
    public double OutputGivenTrue(int output, int trueClass, double faultProbability)
    {
        double clean = pGolden[trueClass, output];
        double faulty = 0;
        for (int l = 0; l < pLayer.Length; l++)
        {
            if (pLayer[l] == 0) continue;
            double s = 0;
            for (int g = 0; g < ClassCount; g++) s += pGolden[trueClass, g] * pFaulty[l][trueClass, g, output];
            faulty += pLayer[l] * s;
        }
        return (1 - faultProbability) * clean + faultProbability * faulty;
    }

    /// <summary>Trustworthiness of output class c: P(true = c | output = c), by Bayes over all true classes.</summary>
    public ClassTrust Trust(int cls, double faultProbability)
    {
        if (!(faultProbability >= 0 && faultProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(faultProbability), faultProbability, "a probability must lie in [0, 1]");
        double joint = 0, evidence = 0;
        for (int t = 0; t < ClassCount; t++)
        {
            double j = pTrue[t] * OutputGivenTrue(cls, t, faultProbability);
            evidence += j;
            if (t == cls) joint = j;
        }
        return new ClassTrust(cls, faultProbability, evidence > 0 ? joint / evidence : double.NaN, evidence);
    }

    public IReadOnlyList<ClassTrust> TrustAll(double faultProbability) =>
        Enumerable.Range(0, ClassCount).Select(c => Trust(c, faultProbability)).ToArray();

    private static double[] Normalize(double[] counts, double alpha)
    {
        double total = counts.Sum() + alpha * counts.Length;
        return counts.Select(c => (c + alpha) / total).ToArray();
    }
}
