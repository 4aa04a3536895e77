// Bit-error-rate Monte Carlo: every stored bit of the chosen weight tensors flips independently with probability p.
// A sample is one faulty model: its flip positions are drawn by geometric skipping (gaps ~ Geometric(p)), which
// yields exactly Binomial(total bits, p) flips at uniformly random distinct positions, in O(flips) time, keyed by
// (seed, rate, sample) through the counter RNG. Flips are written into one private model copy and restored after
// each sample (no model copy per sample). Weights only; the single-fault campaign is Neutron.Faults' runner.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Random;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Neutron.Engine.Data;

namespace Neutron.Analysis.Ber;

public sealed record BerOptions
{
    public IReadOnlyList<double> Rates { get; init; } = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3];
    public int Samples { get; init; } = 100;
    public ulong Seed { get; init; } = 1;
    /// <summary>Central share of sampled accuracies the band holds (0.9: 5th to 95th percentile).</summary>
    public double BandLevel { get; init; } = 0.9;
    /// <summary>Drop (percentage points) above which a sampled model counts as critical.</summary>
    public double Tolerance { get; init; } = 1.0;
    public NumberFormat Format { get; init; } = NumberFormat.Fp32;
    public SiteFilter Filter { get; init; } = SiteFilter.All;
    public int ImageChunk { get; init; } = 250;
}

public sealed class BitErrorRateMonteCarlo
{
    private readonly FaultSite[] sites;
    private readonly long[] siteStart; // first global bit of each site
    private readonly StoredWeights stored;
    private readonly Model copy;
    private readonly InferenceSession session;
    private readonly EvaluationSet data;
    private readonly BerOptions options;
    private readonly string inputName;

    public BitErrorRateMonteCarlo(Model model, EvaluationSet data, BerOptions? options = null)
    {
        this.options = options ??= new BerOptions();
        this.data = data;
        if (options.Samples < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Samples, "Samples must be ≥ 1");
        if (!(options.BandLevel > 0 && options.BandLevel < 1)) throw new ArgumentOutOfRangeException(nameof(options), options.BandLevel, "BandLevel must lie in (0, 1)");
        foreach (double r in options.Rates)
            if (!(r > 0 && r < 1)) throw new ArgumentOutOfRangeException(nameof(options), r, "every bit-error rate must lie in (0, 1)");
        var catalog = SiteCatalog.Discover(model, options.Format);
        sites = catalog.Select(Faults.FaultTarget.Weight, options.Filter).ToArray();
        if (sites.Length == 0)
            throw new ArgumentException($"no weight tensor matches the filter; the model's weights are {string.Join(", ", catalog.Weights.Take(5).Select(s => $"'{s.Tensor}'"))}", nameof(options));
        if (sites.Any(s => s.Bits != sites[0].Bits)) throw new ArgumentException("the chosen weight tensors store words of different widths; choose tensors of one width with the filter", nameof(options));
        siteStart = new long[sites.Length + 1];
        for (int i = 0; i < sites.Length; i++) siteStart[i + 1] = siteStart[i] + sites[i].BitCount;
        stored = new StoredWeights(model, sites, options.Format);
        copy = stored.CopyModel(model);
        session = new InferenceSession(copy);
        inputName = copy.RequiredInputs.Single().Name;
        GoldenAccuracy = Accuracy();
    }

    /// <summary>Stored bits exposed to flips: Σ elements × word width over the chosen tensors.</summary>
    public long TotalBits => siteStart[^1];
    public IReadOnlyList<FaultSite> Sites => sites;
    /// <summary>Accuracy of the fault-free model with its weights stored in the format.</summary>
    public double GoldenAccuracy { get; }

    /// <summary>The global bit positions that flip in one sample, ascending (a pure function of seed, rate, sample).</summary>
    public static List<long> FlipPositions(ulong seed, double rate, int sample, long totalBits)
    {
        var positions = new List<long>();
        double logq = double.LogP1(-rate);
        ulong key = unchecked(BitConverter.DoubleToUInt64Bits(rate) * 0x9E3779B97F4A7C15UL + (ulong)sample);
        long pos = -1;
        for (ulong draw = 0; ; draw++)
        {
            // Failures before the next success: floor(ln U / ln(1 − p)), U uniform in (0, 1].
            double u = 1 - CounterRng.Uniform(seed, key, draw);
            double gap = Math.Floor(Math.Log(u) / logq);
            if (gap >= totalBits - pos - 1) break;
            pos += (long)gap + 1;
            positions.Add(pos);
        }
        return positions;
    }

    /// <summary>
    /// The flips of one sample drawn conditionally on at least one flip: the first position j has P(j | K ≥ 1) =
    /// p(1 − p)^j / (1 − (1 − p)^T), drawn by inverting that truncated geometric, and every later bit flips
    /// independently as in <see cref="FlipPositions"/>. So the sample is exactly a BER sample given K ≥ 1, and an
    /// estimate from such samples is reweighted by the known P(K ≥ 1) (BayesianBer).
    /// </summary>
    public static List<long> FlipPositionsAtLeastOne(ulong seed, double rate, int sample, long totalBits)
    {
        double logq = double.LogP1(-rate);
        double atLeastOne = -double.ExpM1(totalBits * logq);
        ulong key = unchecked(BitConverter.DoubleToUInt64Bits(rate) * 0x9E3779B97F4A7C15UL + (ulong)sample) ^ 0x5A5A_0000_0000_0001UL;
        double u = CounterRng.Uniform(seed, key, 0);
        long first = Math.Min(totalBits - 1, (long)Math.Floor(double.LogP1(-u * atLeastOne) / logq));
        var positions = new List<long> { first };
        long pos = first;
        for (ulong draw = 1; ; draw++)
        {
            double v = 1 - CounterRng.Uniform(seed, key, draw);
            double gap = Math.Floor(Math.Log(v) / logq);
            if (gap >= totalBits - pos - 1) break;
            pos += (long)gap + 1;
            positions.Add(pos);
        }
        return positions;
    }

    /// <summary>Accuracy of the model with the given global bit positions flipped (restored afterwards).</summary>
    public double AccuracyWithFlips(List<long> flips) => flips.Count == 0 ? GoldenAccuracy : AccuracyWith(flips);

    /// <summary>The model with the given flips behind a protection: detected when the guard detects any word, else
    /// the accuracy with what the guard lets through (no guard: every flip runs). Ran: whether the network ran (a
    /// model with nothing left to flip, or detected, is known without running it).</summary>
    public (double Accuracy, bool Detected, bool Ran) Evaluate(List<long> flips, IStoredWordGuard? guard)
    {
        if (flips.Count == 0) return (GoldenAccuracy, false, false);
        if (guard is null) return (AccuracyWith(flips), false, true);
        var masks = Masks(flips);
        var through = new Dictionary<(int Site, long Element), uint>(masks.Count);
        foreach (var ((s, e), mask) in masks)
        {
            var word = guard.Apply(sites[s].Tensor, e, mask);
            if (word.Detected) return (GoldenAccuracy, true, false);
            if (word.Residual != 0) through[(s, e)] = word.Residual;
        }
        return through.Count == 0 ? (GoldenAccuracy, false, false) : (AccuracyWith(through), false, true);
    }

    /// <summary>Bits per stored word, the same for every chosen tensor (one number format).</summary>
    public int WordBits => sites[0].Bits;

    /// <summary>
    /// How much a flip of each bit position of the word damages a weight, averaged over every stored weight:
    /// min(1, |δ| / max|w| of its tensor), with δ the exact value change of that flip in the number format and 1 for a
    /// flip to Inf or NaN. A flip that moves a weight past the tensor's largest magnitude counts as fully damaging.
    /// BayesianBer's tilted sampler draws bit positions in proportion to it (mixed with uniform).
    /// </summary>
    public double[] BitDamage() => damage ??= ComputeBitDamage();

    private double[]? damage;

    private double[] ComputeBitDamage()
    {
        int width = WordBits;
        var damage = new double[width];
        long elements = 0;
        foreach (var site in sites)
        {
            var enc = stored.Encoding(site.Tensor);
            double scale = 0;
            for (long e = 0; e < site.Elements; e++) scale = Math.Max(scale, Math.Abs(stored.Value(site.Tensor, e)));
            if (scale == 0) scale = 1;
            for (long e = 0; e < site.Elements; e++)
            {
                uint word = stored.Word(site.Tensor, e);
                double value = stored.Value(site.Tensor, e);
                for (int b = 0; b < width; b++)
                {
                    double flipped = enc.Decode(e, word ^ (1u << b));
                    double d = double.IsFinite(flipped) ? Math.Abs(flipped - value) / scale : 1;
                    damage[b] += Math.Min(1, d);
                }
            }
            elements += site.Elements;
        }
        for (int b = 0; b < width; b++) damage[b] /= elements;
        return damage;
    }

    public BerResult Run(IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        var samples = new List<BerSample>();
        var points = new List<BerPoint>();
        int total = options.Rates.Count * options.Samples, done = 0;
        foreach (double rate in options.Rates)
        {
            var acc = new double[options.Samples];
            long flipsSum = 0;
            for (int s = 0; s < options.Samples; s++)
            {
                cancel.ThrowIfCancellationRequested();
                var flips = FlipPositions(options.Seed, rate, s, TotalBits);
                acc[s] = flips.Count == 0 ? GoldenAccuracy : AccuracyWith(flips);
                flipsSum += flips.Count;
                samples.Add(new BerSample(rate, s, flips.Count, acc[s]));
                progress?.Report((++done, total));
            }
            var sorted = acc.Order().ToArray();
            double tail = (1 - options.BandLevel) / 2;
            int critical = acc.Count(a => Critical(GoldenAccuracy, a, options.Tolerance));
            points.Add(new BerPoint(rate, options.Samples, (double)flipsSum / options.Samples, acc.Average(),
                Quantile(sorted, tail), Quantile(sorted, 1 - tail), (double)critical / options.Samples));
        }
        return new BerResult(GoldenAccuracy, TotalBits, options.BandLevel, options.Tolerance, points, samples);
    }

    /// <summary>
    /// critical(τ) of DESIGN §4 for a sampled model: drop strictly above τ percentage points. Accuracies are counts over
    /// the images, so 100 × (golden − faulty) can land a rounding error above a τ it equals (0.91 − 0.90 gives 1.0000…09
    /// pp); the margin, far below one image's share of any evaluation set, makes a drop of exactly τ not critical, as in
    /// a campaign (FaultOutcome.Critical).
    /// </summary>
    public static bool Critical(double goldenAccuracy, double accuracy, double tolerance) =>
        100 * (goldenAccuracy - accuracy) > tolerance + 1e-9;

    /// <summary>Empirical quantile with linear interpolation between order statistics (R type 7).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double h = (sorted.Count - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private double AccuracyWith(List<long> flips) => AccuracyWith(Masks(flips));

    // Several flips may hit one word: XOR them into one mask per (site, element), then decode once.
    private Dictionary<(int Site, long Element), uint> Masks(List<long> flips)
    {
        var masks = new Dictionary<(int Site, long Element), uint>();
        int site = 0;
        foreach (long g in flips)
        {
            while (g >= siteStart[site + 1]) site++;
            long local = g - siteStart[site];
            int width = sites[site].Bits;
            var key = (site, local / width);
            masks[key] = (masks.TryGetValue(key, out uint m) ? m : 0) ^ (1u << (int)(local % width));
        }
        return masks;
    }

    private double AccuracyWith(Dictionary<(int Site, long Element), uint> masks)
    {
        try
        {
            foreach (var ((s, e), mask) in masks)
            {
                string tensor = sites[s].Tensor;
                copy.Initializers[tensor].Floats[(int)e] = stored.Encoding(tensor).Decode(e, stored.Word(tensor, e) ^ mask);
            }
            return Accuracy();
        }
        finally
        {
            foreach (var (s, e) in masks.Keys)
                copy.Initializers[sites[s].Tensor].Floats[(int)e] = stored.Value(sites[s].Tensor, e);
        }
    }

    private double Accuracy()
    {
        int correct = 0;
        for (int start = 0; start < data.Count; start += options.ImageChunk)
        {
            int count = Math.Min(options.ImageChunk, data.Count - start);
            var plan = session.Bind(new Dictionary<string, Tensor>(1) { [inputName] = data.Slice(start, count) });
            plan.Run();
            var logits = plan.Values[plan.OutputIds[0]]!.Floats;
            int classes = logits.Length / count;
            for (int n = 0; n < count; n++)
                if (TopK.ArgMax(logits.Slice(n * classes, classes)) == data.Labels[start + n]) correct++;
        }
        return (double)correct / data.Count;
    }
}
