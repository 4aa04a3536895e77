// A small Bayesian network over one campaign: Layer → Faulty prediction ← (True class → Golden prediction).
// P(golden | true) is the campaign's fault-free confusion with a symmetric Dirichlet prior; a fault in layer l keeps
// the golden prediction or changes it, with the change rate and destinations counted per (layer, true, golden)
// over the campaign's (fault, image) trials. The faulty table is the fault-free one plus those changes, so both
// share one prior and trust cannot rise with the fault probability through smoothing alone. P(layer) is the layer's
// share of the fault space (a fault in memory or datapath strikes a layer as often as it holds bits), not the plan's
// allocation. Tables are dense only in k × k (k classes) and sparse in what faults changed: a 1,000-class
// campaign fits in tens of MB. Queries are exact; counting only: no I/O, no intervals.
using Neutron.Analysis.Campaign;

namespace Neutron.Analysis.Bayes;

/// <summary>P(true = c | output = c) for one class at one fault probability.</summary>
public sealed record ClassTrust(int Class, double FaultProbability, double Trust, double OutputProbability);

public sealed class TrustNetwork
{
    readonly int k;
    readonly double[] pTrue;
    readonly double[] pGolden; // [t * k + g] = P(golden = g | true = t)
    readonly double[] pLayer;
    // Per layer: for each observed (true, golden) pair, P(change) · (P(dest = f | change) − [f = g]) as sparse deltas.
    readonly List<(int True, int Output, double Delta)>[] deltas;

    TrustNetwork(IReadOnlyList<string> layers, int k, double[] pTrue, double[] pGolden, double[] pLayer, List<(int, int, double)>[] deltas)
    {
        Layers = layers;
        this.k = k;
        this.pTrue = pTrue;
        this.pGolden = pGolden;
        this.pLayer = pLayer;
        this.deltas = deltas;
    }

    public IReadOnlyList<string> Layers { get; }
    public int ClassCount => k;
    /// <summary>The Dirichlet pseudo-count per cell used when none is given: one pseudo-observation per true class,
    /// spread over the k classes (1/k per cell), so the prior weighs as much for 1,000 classes as for 10.</summary>
    public static double DefaultAlpha(int classCount) => 1.0 / classCount;

    /// <summary>Builds the tables. <paramref name="alpha"/>: Dirichlet pseudo-count per cell of P(true) and
    /// P(golden | true) (default <see cref="DefaultAlpha"/>). <paramref name="layerSizes"/>: each layer's size in the
    /// fault space (default: the campaign's recorded layer sizes, else its fault counts per layer).</summary>
    public static TrustNetwork Build(CampaignData data, double? alpha = null, IReadOnlyDictionary<string, double>? layerSizes = null)
    {
        int k = data.ClassCount;
        double a = alpha ?? DefaultAlpha(k);
        if (!(a > 0) || double.IsInfinity(a)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the Dirichlet pseudo-count must be > 0 and finite");
        if (data.Faults.Count == 0) throw new ArgumentException("the campaign has no faults", nameof(data));
        var layers = data.Layers();
        var layerIndex = layers.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);

        var trueCount = new double[k];
        var pairCount = new Dictionary<(int, int), double>();
        for (int i = 0; i < data.ImageCount; i++)
        {
            trueCount[data.Labels[i]]++;
            var key = (data.Labels[i], data.GoldenTop1[i]);
            pairCount[key] = pairCount.GetValueOrDefault(key) + 1;
        }
        double images = data.ImageCount;
        var pTrue = trueCount.Select(c => (c + a) / (images + a * k)).ToArray();
        var pGolden = new double[(long)k * k];
        for (int t = 0; t < k; t++)
        {
            double row = trueCount[t] + a * k;
            for (int g = 0; g < k; g++) pGolden[(long)t * k + g] = a / row;
        }
        foreach (var ((t, g), n) in pairCount) pGolden[(long)t * k + g] += n / (trueCount[t] + a * k);

        // Changes per layer and (true, golden): how many (fault, image) trials changed, and to what.
        var faultsPerLayer = new double[layers.Count];
        var changes = new Dictionary<(int Layer, int True, int Golden, int Output), double>();
        foreach (var f in data.Faults)
        {
            int l = layerIndex[f.Layer];
            faultsPerLayer[l]++;
            foreach (var ch in f.Changed)
            {
                var key = (l, data.Labels[ch.Image], data.GoldenTop1[ch.Image], ch.Top1);
                changes[key] = changes.GetValueOrDefault(key) + 1;
            }
        }
        var deltas = new List<(int, int, double)>[layers.Count];
        for (int l = 0; l < layers.Count; l++) deltas[l] = [];
        foreach (var ((l, t, g, o), n) in changes)
        {
            // Weighted by P(golden = g | true = t) here, so a query only sums deltas: P(o | t, l) = P(golden = o | t) + Σ deltas.
            double trials = faultsPerLayer[l] * pairCount[(t, g)];
            double w = pGolden[(long)t * k + g] * n / trials;
            deltas[l].Add((t, o, w));
            deltas[l].Add((t, g, -w));
        }

        var size = new double[layers.Count];
        for (int l = 0; l < layers.Count; l++)
            size[l] = layerSizes?.GetValueOrDefault(layers[l]) ?? data.LayerSizes?.GetValueOrDefault(layers[l]) ?? faultsPerLayer[l];
        double total = size.Sum();
        var pLayer = size.Select(s => s / total).ToArray();
        return new TrustNetwork(layers, k, pTrue, pGolden, pLayer, deltas);
    }

    public double LayerProbability(int layer) => pLayer[layer];
    public double TrueProbability(int cls) => pTrue[cls];

    /// <summary>P(faulty prediction = o | true = t, layer = l) for every o.</summary>
    public double[] PredictionGivenTrueAndLayer(int trueClass, int layer)
    {
        var result = new double[k];
        for (int o = 0; o < k; o++) result[o] = pGolden[(long)trueClass * k + o];
        foreach (var (t, o, d) in deltas[layer]) if (t == trueClass) result[o] += d;
        return result;
    }

    /// <summary>P(output = o | true = t) when a fault occurs with probability p, for every (t, o): (1 − p) P(golden = o | t)
    /// + p Σ_l P(l) P(faulty = o | t, l). Row-major k × k.</summary>
    public double[] OutputGivenTrue(double faultProbability)
    {
        CheckProbability(faultProbability);
        var m = (double[])pGolden.Clone(); // (1 − p)·golden + p·Σ_l P(l)·(golden + deltas_l) = golden + p·Σ_l P(l)·deltas_l
        for (int l = 0; l < deltas.Length; l++)
        {
            double w = faultProbability * pLayer[l];
            if (w == 0) continue;
            foreach (var (t, o, d) in deltas[l]) m[(long)t * k + o] += w * d;
        }
        return m;
    }

    /// <summary>Trustworthiness of output class c: P(true = c | output = c), by Bayes over all true classes.</summary>
    public ClassTrust Trust(int cls, double faultProbability) => TrustAll(faultProbability)[cls];

    public IReadOnlyList<ClassTrust> TrustAll(double faultProbability)
    {
        var m = OutputGivenTrue(faultProbability);
        var evidence = new double[k];
        for (int t = 0; t < k; t++)
            for (int o = 0; o < k; o++) evidence[o] += pTrue[t] * m[(long)t * k + o];
        return Enumerable.Range(0, k).Select(c =>
            new ClassTrust(c, faultProbability, evidence[c] > 0 ? pTrue[c] * m[(long)c * k + c] / evidence[c] : double.NaN, evidence[c])).ToArray();
    }

    static void CheckProbability(double p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must lie in [0, 1]");
    }
}
