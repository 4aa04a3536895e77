// `ber-reference MODEL DATA TRUTH.csv`: an accurate P(fail) at one bit-error rate to check `neutron ber` against.
// With K ~ Binomial(T, p) flipped bits, P(fail) = P(K = 1)·r₁ + P(K ≥ 2)·θ₂ with both P(K) exact: r₁ = P(fail | one
// flip) is the critical rate of an exhaustive single-flip campaign over the same weights and images (its `neutron
// export --csv`), exact; only θ₂ = P(fail | K ≥ 2) is Monte Carlo, through the product's own BER code
// (BitErrorRateMonteCarlo: K from the binomial truncated to K ≥ 2, then K distinct uniform positions), so the
// reference's standard error is P(K ≥ 2)·√(θ₂(1 − θ₂)/n). `--check N` first runs N single flips through the BER code
// and compares each with the truth's row. `--out FILE` writes one line per model (model,k,correct). Prints the result
// for τ and, for comparison, for "drop ≥ τ".
// Not part of the product: a study of its BER estimator; docs/campaigns.md quotes its output.
using System.Globalization;
using Neutron.Analysis.Ber;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults.Random;
using Neutron.Faults.Running;

namespace Neutron.Bench;

static class BerReferenceMode
{
    const string Usage = "usage: ber-reference MODEL DATA TRUTH.csv [--images 1000] [--rate 1e-7] [--models 2000] [--seed 1] [--tolerance 1] [--check 200] [--out FILE]";

    public static int Run(string[] args)
    {
        if (args.Length < 3) { Console.Error.WriteLine(Usage); return 2; }
        var ci = CultureInfo.InvariantCulture;
        string model = args[0], data = args[1], truthCsv = args[2];
        int images = 1000, models = 2000, check = 200;
        double rate = 1e-7, tolerance = 1.0;
        ulong seed = 1;
        string? outFile = null;
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            switch (args[i])
            {
                case "--images": images = int.Parse(v, ci); break;
                case "--rate": rate = double.Parse(v, ci); break;
                case "--models": models = int.Parse(v, ci); break;
                case "--seed": seed = ulong.Parse(v, ci); break;
                case "--tolerance": tolerance = double.Parse(v, ci); break;
                case "--check": check = int.Parse(v, ci); break;
                case "--out": outFile = v; break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }

        var labeled = DataSpec.Load(data, new DataOptions { Limit = images });
        var mc = new BitErrorRateMonteCarlo(OnnxReader.Load(model), new EvaluationSet(labeled.Images, labeled.Labels), new BerOptions { Tolerance = tolerance });
        int n = labeled.Labels.Length;
        int Correct(double accuracy) => (int)Math.Round(accuracy * n);
        int golden = Correct(mc.GoldenAccuracy);
        long total = mc.TotalBits;

        var (truthImages, truthGolden, faulty, names) = ReadTruth(truthCsv);
        if (faulty.Length != total || truthImages != n || truthGolden != golden)
            throw new InvalidOperationException($"the truth holds {faulty.Length:N0} faults on {truthImages} images with {truthGolden} correct; the BER space is {total:N0} bits on {n} images with {golden} correct");
        // Drops in whole images: critical(τ) is drop > τ pp, i.e. more than τ·n/100 images.
        bool Strict(int correct) => (golden - correct) * 100.0 / n > tolerance;
        bool Loose(int correct) => (golden - correct) * 100.0 / n >= tolerance;
        double r1 = faulty.Count(Strict) / (double)total, r1Loose = faulty.Count(Loose) / (double)total;

        // The BER code's bit numbering must be the campaign's: the same fault text per position, the same outcome.
        int width = mc.WordBits, mismatches = 0;
        var starts = new long[mc.Sites.Count + 1];
        for (int s = 0; s < mc.Sites.Count; s++) starts[s + 1] = starts[s] + mc.Sites[s].BitCount;
        for (int c = 0; c < check; c++)
        {
            long g = (long)CounterRng.Below(seed, 0xC4EC_0000UL + (ulong)c, 0, (ulong)total);
            int s = Array.FindLastIndex(starts, x => x <= g);
            long local = g - starts[s];
            string name = $"weight:{mc.Sites[s].Tensor}@{local / width}#{local % width}";
            if (names[g] != name) throw new InvalidOperationException($"bit {g}: the BER code flips {name}, the truth's row is {names[g]}");
            if (Correct(mc.AccuracyWithFlips([g])) != faulty[g]) mismatches++;
        }

        // K ~ Binomial(T, p) truncated to K ≥ 2, by inversion over its pmf (the tail past 60 is below 1e-60 at λ < 1).
        double logq = double.LogP1(-rate), lambda = total * rate;
        double p0 = Math.Exp(total * logq), p1 = total * rate * Math.Exp((total - 1) * logq), p2plus = -double.ExpM1(total * logq) - p1;
        var pmf = new List<double>();
        double pk = p1;
        for (int k = 2; k <= 60; k++) { pk *= (double)(total - k + 1) / k * rate / (1 - rate); pmf.Add(pk); }
        double sum = pmf.Sum();
        var cumulative = new double[pmf.Count];
        double acc = 0;
        for (int i = 0; i < pmf.Count; i++) cumulative[i] = acc += pmf[i] / sum;

        using var writer = outFile is null ? null : new StreamWriter(outFile);
        writer?.WriteLine("model,k,correct");
        int fails = 0, failsLoose = 0;
        long kSum = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int m = 0; m < models; m++)
        {
            ulong key = unchecked((ulong)m * 0x9E3779B97F4A7C15UL) ^ 0xBE2E_0000_0000_0002UL;
            double u = CounterRng.Uniform(seed, key, 0);
            int k = 2 + Math.Max(0, Array.FindIndex(cumulative, x => u < x));
            var set = new HashSet<long>();
            for (ulong draw = 1; set.Count < k; draw++) set.Add((long)CounterRng.Below(seed, key, draw, (ulong)total));
            var flips = set.Order().ToList();
            int correct = Correct(mc.AccuracyWithFlips(flips));
            if (Strict(correct)) fails++;
            if (Loose(correct)) failsLoose++;
            kSum += k;
            writer?.WriteLine(string.Create(ci, $"{m},{k},{correct}"));
            if ((m + 1) % 250 == 0) Console.Error.WriteLine(string.Create(ci, $"{m + 1}/{models} models, {fails} failures, {clock.Elapsed.TotalSeconds:F0} s"));
        }

        Console.WriteLine(string.Create(ci, $"T = {total:N0} bits, p = {rate:G3}, λ = {lambda:F4}; {n} images, golden {golden} correct; P(K=0) = {p0:F6}, P(K=1) = {p1:F6}, P(K≥2) = {p2plus:F6}"));
        Console.WriteLine(string.Create(ci, $"check: {check} single flips through the BER code, {mismatches} differ from the truth"));
        Console.WriteLine(string.Create(ci, $"{models} models with K ≥ 2 (mean K {(double)kSum / models:F3}), seed {seed}, {clock.Elapsed.TotalSeconds:F0} s"));
        Report("drop > τ", tolerance, r1, fails);
        Report("drop ≥ τ", tolerance, r1Loose, failsLoose);
        return mismatches == 0 ? 0 : 1;

        void Report(string rule, double tau, double single, int failures)
        {
            double theta = failures / (double)models;
            double se = p2plus * Math.Sqrt(theta * (1 - theta) / models);
            double total1 = p1 * single, total2 = p2plus * theta;
            Console.WriteLine(string.Create(ci,
                $"{rule} ({tau} pp): r1 = {single:P4} exact, θ2 = {failures}/{models} = {theta:P3}; P(fail) = {total1:E4} + {total2:E4} = {total1 + total2:E4} ± {se:E3} (rel SE {100 * se / (total1 + total2):F2} %)"));
        }
    }

    static (int Images, int Golden, int[] Faulty, string[] Names) ReadTruth(string csv)
    {
        var faulty = new List<int>();
        var names = new List<string>();
        int images = -1, golden = -1;
        using var reader = new StreamReader(csv);
        var head = reader.ReadLine()!.Split(',');
        if (!head.SequenceEqual(["id", "fault", "images", "golden_correct", "faulty_correct", "sdc", "nonfinite", "drop"]))
            throw new InvalidOperationException($"{csv}: not an exhaustive campaign's export (header {string.Join(',', head)})");
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            var f = line.Split(',');
            if (long.Parse(f[0], CultureInfo.InvariantCulture) != faulty.Count) throw new InvalidOperationException($"{csv}: ids are not 0, 1, 2, … in order");
            names.Add(f[1]);
            images = int.Parse(f[2], CultureInfo.InvariantCulture);
            golden = int.Parse(f[3], CultureInfo.InvariantCulture);
            faulty.Add(int.Parse(f[4], CultureInfo.InvariantCulture));
        }
        return (images, golden, faulty.ToArray(), names.ToArray());
    }
}
