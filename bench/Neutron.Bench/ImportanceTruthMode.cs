// `importance-truth MODEL DATA TRUTH.csv`: many seeded importance campaigns and as many uniform (random:N) ones over a
// weight space whose every outcome an exhaustive campaign holds (its `neutron export --csv`), each campaign's faults
// drawn by the product's own planners (ImportanceScores.Draw after one sensitivity pass, FaultPlanner.Plan) and its
// rates by the product's own estimators (CampaignRates.Overall), its outcomes looked up instead of injected again
// (a fault's outcome is a pure function of the fault). Prints bias, coverage, spread and the critical faults among the
// first 100. `--confirm SEED=CSV` checks a real campaign's export (same seed) fault by fault against the lookup.
// Not part of the product: a study of its estimators; docs/campaigns.md quotes its output.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Planning;
using Neutron.Campaigns;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Bench;

static class ImportanceTruthMode
{
    const string Usage = "usage: importance-truth MODEL DATA TRUTH.csv [--images N] [--campaigns 200] [--count 500] [--alpha 0.1] [--damage 0.3] [--score margin|ce] [--diagnose yes] [--explore-damage 0,0.1,...] [--tolerance 1] [--confirm SEED=EXPORT.csv ...]";

    sealed record Truth(int Images, int GoldenCorrect, int[] FaultyCorrect, int[] Sdc, int[] NonFinite);

    public static int Run(string[] args)
    {
        if (args.Length < 3) { Console.Error.WriteLine(Usage); return 2; }
        string model = args[0], data = args[1], truthCsv = args[2];
        int? images = null;
        int campaigns = 200, count = 500;
        double alpha = 0.1, tolerance = 1.0;
        var score = ImportanceScore.Margin;
        var confirm = new List<(ulong Seed, string Csv)>();
        bool diagnose = false;
        double damage = ImportancePlan.DefaultDamage;
        double[] exploreDamage = [];
        for (int i = 3; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            switch (args[i])
            {
                case "--images": images = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--campaigns": campaigns = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--count": count = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--alpha": alpha = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--tolerance": tolerance = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--score": score = v == "ce" ? ImportanceScore.CrossEntropy : ImportanceScore.Margin; break;
                case "--diagnose": diagnose = v == "yes"; break;
                case "--damage": damage = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--explore-damage": exploreDamage = v.Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--confirm":
                    var parts = v.Split('=', 2);
                    confirm.Add((ulong.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]));
                    break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }

        // The campaign's own loading and fault space: weights, single-bit flips, every site, fp32.
        var loaded = ModelLoading.Load(model, data, images, NumberFormat.Fp32, NumberFormat.Fp32, new RunOptions());
        var runner = loaded.Runner;
        var space = FaultSpaces.Of(runner.Sites, FaultTarget.Weight, FaultModelSpec.Flip, SiteFilter.All);
        var truth = ReadTruth(truthCsv, space);
        if (truth.Images != runner.Data.Count || truth.GoldenCorrect != runner.Golden.Correct)
            throw new InvalidOperationException($"the truth ran on {truth.Images} images with {truth.GoldenCorrect} correct, this data gives {runner.Data.Count} with {runner.Golden.Correct}: use the truth's images");
        var labels = runner.Golden.Labels.Select(l => (int)l).ToArray();
        var top1 = runner.Golden.Top1;
        int classes = loaded.Classes;

        double Drop(long x) => 100.0 * (truth.GoldenCorrect - truth.FaultyCorrect[x]) / truth.Images;
        long criticalCount = 0, sdcCount = 0;
        for (long x = 0; x < space.Size; x++) { if (Drop(x) > tolerance) criticalCount++; if (truth.Sdc[x] > 0) sdcCount++; }
        double truthRate = criticalCount / (double)space.Size, truthSdc = sdcCount / (double)space.Size;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The flip model draws nothing at random, so the scores do not depend on the seed: one sensitivity pass
        // serves every campaign (ImportanceScores.Plan would repeat the same pass per seed).
        var (scoreOf, damageOf, cap) = ImportanceScores.For(space, runner, OnnxReader.Load(model), score, 1);
        foreach (double g in exploreDamage)
            Diagnose(space, new ImportanceDistribution(space, scoreOf, damageOf, alpha, g), x => Drop(x) > tolerance, truthRate, $"alpha {alpha}, damage {g}");
        var distribution = new ImportanceDistribution(space, scoreOf, damageOf, alpha, damage);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{space.Size:N0} positions, {truth.Images} images, golden {truth.GoldenCorrect} correct; critical(drop > {tolerance} pp) {criticalCount:N0} = {truthRate:P4}, SDC faults {sdcCount:N0} = {truthSdc:P4}; sensitivity and proposal {clock.Elapsed.TotalSeconds:F0} s"));

        if (diagnose) Diagnose(space, distribution, x => Drop(x) > tolerance, truthRate, $"alpha {alpha}, damage {damage}");

        FaultRecord Record(long index, Fault fault, long x, double? weight) =>
            new(index, "weight", fault.Tensor, fault.Tensor, fault.Index, fault.Bit, "flip", truth.Images, truth.FaultyCorrect[x], truth.Sdc[x], truth.NonFinite[x], []) { Weight = weight };
        CampaignData Data(List<FaultRecord> faults) => new(classes, labels, top1, faults);

        var imp = new Study("importance", truthRate, truthSdc);
        var uni = new Study("uniform", truthRate, truthSdc);
        var planned = new Dictionary<ulong, ImportancePlanResult>();
        for (int k = 1; k <= campaigns; k++)
        {
            ulong seed = (ulong)k;
            var drawn = ImportanceScores.Draw(space, distribution, count, seed, cap);
            if (confirm.Any(c => c.Seed == seed)) planned[seed] = drawn;
            var faults = new List<FaultRecord>(count);
            for (int i = 0; i < drawn.Draws.Length; i++)
                faults.Add(Record(drawn.Faults[i].Index, drawn.Faults[i].Fault, drawn.Draws[i].Position, drawn.Draws[i].P / drawn.Draws[i].Q));
            var d = Data(faults);
            var rates = CampaignRates.Overall(d, tolerance);
            imp.Add(rates, CriticalSearch.Of(d, tolerance, 100).Critical);
            if (k <= 3)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  importance seed {seed}: critical {rates.CriticalRate:R} [{rates.CriticalLower:R}, {rates.CriticalUpper:R}], SDC {rates.SdcRate:R}, {rates.CriticalFaults} critical of {count}, effective size {rates.EffectiveSize:R}"));

            var picks = FaultPlanner.Plan(space, new RandomPlan(count), seed);
            var plain = new List<FaultRecord>(picks.Length);
            foreach (var p in picks) plain.Add(Record(p.Index, p.Fault, space.IndexOf(p.Fault.Tensor, p.Fault.Index, p.Fault.Bit), null));
            var u = Data(plain);
            // A random: plan stores its faults in position order, so "its first 100" are not a random 100: the
            // uniform search's precision is its share over all of them (any 100 random faults have that mean).
            var all = CriticalSearch.Of(u, tolerance);
            uni.Add(CampaignRates.Overall(u, tolerance), all.Share * 100);
        }
        imp.Print();
        uni.Print();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"variance ratio uniform/importance: critical {uni.Variance(true) / imp.Variance(true):F1}×, SDC {uni.Variance(false) / imp.Variance(false):F1}×; " +
            $"critical among the first 100: importance {imp.First100:F1}, uniform {uni.First100:F2} ({imp.First100 / uni.First100:F1}×; against the truth's {100 * truthRate:F2}: {imp.First100 / (100 * truthRate):F1}×); {clock.Elapsed.TotalSeconds:F0} s in all"));

        foreach (var (seed, csv) in confirm) Confirm(seed, csv, planned[seed], truth, space);
        return 0;
    }

    /// <summary>A real campaign's export against the lookup: the same faults in draw order, the same p and q, the
    /// same outcome for every fault.</summary>
    static void Confirm(ulong seed, string csv, ImportancePlanResult drawn, Truth truth, FaultSpace space)
    {
        var rows = File.ReadLines(csv).Select(l => l.Split(',')).ToList();
        var head = rows[0];
        int Col(string name) => Array.IndexOf(head, name) is var i and >= 0 ? i : throw new InvalidOperationException($"{csv}: no column {name}");
        int id = Col("id"), fault = Col("fault"), correct = Col("faulty_correct"), sdc = Col("sdc"), nonFinite = Col("nonfinite"), p = Col("p"), q = Col("q");
        int same = 0;
        foreach (var r in rows.Skip(1))
        {
            int i = int.Parse(r[id], CultureInfo.InvariantCulture);
            var planned = drawn.Faults[i].Fault;
            long x = drawn.Draws[i].Position;
            bool ok = r[fault] == planned.ToString() && space.IndexOf(planned.Tensor, planned.Index, planned.Bit) == x
                && int.Parse(r[correct], CultureInfo.InvariantCulture) == truth.FaultyCorrect[x]
                && int.Parse(r[sdc], CultureInfo.InvariantCulture) == truth.Sdc[x]
                && int.Parse(r[nonFinite], CultureInfo.InvariantCulture) == truth.NonFinite[x]
                && Close(double.Parse(r[p], CultureInfo.InvariantCulture), drawn.Draws[i].P)
                && Close(double.Parse(r[q], CultureInfo.InvariantCulture), drawn.Draws[i].Q);
            if (ok) same++;
            else Console.WriteLine($"  seed {seed} fault {i}: real {string.Join(',', r)} vs planned {planned} with truth correct {truth.FaultyCorrect[x]}, sdc {truth.Sdc[x]}");
        }
        Console.WriteLine($"confirm seed {seed}: {same} of {rows.Count - 1} exported faults equal the planned fault, p, q and the looked-up outcome (plan {drawn.Faults.Length})");
    }

    /// <summary>Where the proposal's variance comes from, exactly: per bit, the critical positions, their mean q/p and
    /// their share of E_q[(w f)²] = Σ p² f / q; the variance ratio against uniform, μ(1 − μ) / (Σ p² f / q − μ²).</summary>
    static void Diagnose(FaultSpace space, ImportanceDistribution q, Func<long, bool> critical, double mu, string name)
    {
        var second = new double[64];
        var count = new long[64];
        var zero = new long[64];
        var ratio = new double[64];
        var zeroRatio = new double[64];
        double p = q.P, total = 0;
        for (long x = 0; x < space.Size; x++)
        {
            if (!critical(x)) continue;
            int b = space.Locate(x).Bit;
            double qx = q.Q(x);
            second[b] += p * p / qx;
            count[b]++;
            ratio[b] += qx / p;
            if (q.Score(x) == 0) { zero[b]++; zeroRatio[b] += qx / p; }
            total += p * p / qx;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: exact per-draw variance {total - mu * mu:E3} vs uniform {mu * (1 - mu):E3}: ratio {mu * (1 - mu) / (total - mu * mu):F2}"));
        for (int b = 63; b >= 0; b--)
            if (count[b] > 0)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  bit {b}: {count[b]:N0} critical ({count[b] * p / mu:P1} of the rate), {zero[b]:N0} scored 0 (mean q/p {(zero[b] > 0 ? zeroRatio[b] / zero[b] : double.NaN):F2}), mean q/p {ratio[b] / count[b]:F2}, share of E[(wf)²] {second[b] / total:P1}"));
    }

    static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>The exhaustive campaign's outcomes by position of the space (its export lists them in position order).</summary>
    static Truth ReadTruth(string csv, FaultSpace space)
    {
        var faulty = new int[space.Size];
        var sdc = new int[space.Size];
        var nonFinite = new int[space.Size];
        int images = -1, golden = -1;
        long row = 0;
        using var reader = new StreamReader(csv);
        var head = reader.ReadLine()!.Split(',');
        if (!head.SequenceEqual(["id", "fault", "images", "golden_correct", "faulty_correct", "sdc", "nonfinite", "drop"]))
            throw new InvalidOperationException($"{csv}: not an exhaustive campaign's export (header {string.Join(',', head)})");
        for (string? line; (line = reader.ReadLine()) is not null; row++)
        {
            var r = line.Split(',');
            long x = long.Parse(r[0], CultureInfo.InvariantCulture);
            if (x != row || x >= space.Size || r[1] != space.FaultAt(x).ToString())
                throw new InvalidOperationException($"{csv}: row {row} is {r[0]},{r[1]}, not position {row} ({(row < space.Size ? space.FaultAt(row).ToString() : "past the space")})");
            images = int.Parse(r[2], CultureInfo.InvariantCulture);
            golden = int.Parse(r[3], CultureInfo.InvariantCulture);
            faulty[x] = int.Parse(r[4], CultureInfo.InvariantCulture);
            sdc[x] = int.Parse(r[5], CultureInfo.InvariantCulture);
            nonFinite[x] = int.Parse(r[6], CultureInfo.InvariantCulture);
        }
        if (row != space.Size) throw new InvalidOperationException($"{csv}: {row} rows for a space of {space.Size}");
        return new Truth(images, golden, faulty, sdc, nonFinite);
    }

    /// <summary>The estimates of many campaigns of one plan against the truth.</summary>
    sealed class Study(string name, double truth, double truthSdc)
    {
        readonly List<double> _critical = [], _sdc = [];
        int _covered, _coveredSdc;
        double _width, _first100;

        public double First100 => _first100 / _critical.Count;

        public void Add(RateRow r, double criticalIn100)
        {
            _critical.Add(r.CriticalRate);
            _sdc.Add(r.SdcRate);
            if (r.CriticalLower <= truth && truth <= r.CriticalUpper) _covered++;
            if (r.SdcLower <= truthSdc && truthSdc <= r.SdcUpper) _coveredSdc++;
            _width += r.CriticalUpper - r.CriticalLower;
            _first100 += criticalIn100;
        }

        public double Variance(bool critical)
        {
            var v = critical ? _critical : _sdc;
            double m = v.Average();
            return v.Sum(a => (a - m) * (a - m)) / (v.Count - 1);
        }

        public void Print()
        {
            int n = _critical.Count;
            double mean = _critical.Average(), sd = Math.Sqrt(Variance(true)), se = sd / Math.Sqrt(n);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}, {n} campaigns: critical mean {mean:P4} (truth {truth:P4}, SE of the mean {se:P4}, {(mean - truth) / se:+0.00;-0.00} SE), sd {sd:P4}, 95 % intervals cover {100.0 * _covered / n:F1} %, mean width {_width / n:P3}; " +
                $"SDC mean {_sdc.Average():P4} (truth {truthSdc:P4}, {(_sdc.Average() - truthSdc) / (Math.Sqrt(Variance(false)) / Math.Sqrt(n)):+0.00;-0.00} SE), cover {100.0 * _coveredSdc / n:F1} %"));
        }
    }
}
