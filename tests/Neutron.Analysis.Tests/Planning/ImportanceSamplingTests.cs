// Importance plans against exhaustive truth: LeNet-5's conv1 (weights and bias, 4,992 single-bit flips, 100 reference
// images), whose every outcome tests/data/lenet5-conv1-exhaustive-100img.csv holds. The proposal is the real one
// (gradient sensitivity of the ../shared model on the same images); a campaign's outcomes are looked up in the
// fixture instead of injected again, which is the same thing since a fault's outcome is a pure function of the
// fault. Also: the proposal's draws follow q, and are a pure function of the seed.
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults.Random;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Xunit.Abstractions;

namespace Neutron.Analysis.Tests.Planning;

public class ImportanceSamplingTests(ITestOutputHelper output)
{
    const int Campaigns = 200, Draws = 500;

    [Fact]
    public void Draws_follow_q_and_depend_on_the_seed_only()
    {
        var site = new FaultSite(Neutron.Faults.FaultTarget.Weight, "w", "n", "Conv", [10], 8);
        var space = new FaultSpace([site], maxBit: 7);
        double Score(long x) => x % 8 == 7 ? 5 : x % 8 == 6 ? 1 : 0;
        var q = new ImportanceDistribution(space, Score, 0.2);
        double total = 0;
        for (long x = 0; x < space.Size; x++) total += q.Q(x);
        Assert.Equal(1.0, total, 12);
        var counts = new int[space.Size];
        const int n = 80_000;
        var draws = q.Draws(11, n);
        foreach (var d in draws) counts[d.Position]++;
        for (long x = 0; x < space.Size; x++)
        {
            double expected = n * q.Q(x), sd = Math.Sqrt(expected);
            Assert.InRange(counts[x], expected - 5 * sd - 1, expected + 5 * sd + 1);
        }
        Assert.Equal(draws, q.Draws(11, n));
        Assert.Equal(draws[1234], q.Draw(11, 1234)); // one draw alone: what a shard or another thread computes
        Assert.NotEqual(draws, q.Draws(12, n));
    }

    [Theory]
    [InlineData("fp32", "flip")]
    [InlineData("int8", "flip:rand2")]
    [InlineData("fp16", "stuck1:adj2")]
    public void Element_weights_equal_their_plain_twins_and_q_sums_to_one_on_LeNet5(string format, string faultModel)
    {
        // Every weight position of LeNet-5 but its largest tensor (fc1, kept out for time) and conv1's output: the
        // proposal's element-at-a-time scores and damages
        // against the plain per-position rule (exactly), p and q each summing to 1, and the same draws either way.
        string? shared = Shared();
        Assert.True(shared is not null, "../shared (LeNet-5 and the reference images) not found beside the repository");
        var model = OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx"));
        var x = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_y.npy"));
        var runner = new FaultRunner(model, new EvaluationSet(x, y.Longs.ToArray(), 20),
            new RunnerOptions { Threads = 1, Format = Neutron.Faults.Formats.NumberFormat.Parse(format), Datapath = Neutron.Faults.Formats.NumberFormat.Parse(format) });
        long largest = runner.Sites.Weights.Max(s => s.Elements);
        var sites = runner.Sites.Weights.Where(s => s.Elements < largest).Concat(runner.Sites.Activations.Take(1));
        var space = new FaultSpace(sites, Neutron.Faults.Models.FaultModelSpec.Parse(faultModel));
        const ulong seed = 9;
        var w = ImportanceScores.For(space, runner, model, ImportanceScore.Margin, seed);
        var fast = new ImportanceDistribution(space, w.Score, w.Damage, 0.1, 0.3);
        var plain = new ImportanceDistribution(space, w.PlainScore, w.PlainDamage, 0.1, 0.3);
        Assert.True(fast.ScoreShare > 0 && fast.DamageShare > 0);
        double q = 0, p = 0;
        int scored = 0;
        for (long i = 0; i < space.Size; i++)
        {
            double score = fast.Score(i), damage = fast.Damage(i);
            if (score != w.PlainScore(i) || damage != w.PlainDamage(i))
                Assert.Fail($"position {i} ({space.FaultAt(i, seed)}): score {score} vs plain {w.PlainScore(i)}, damage {damage} vs plain {w.PlainDamage(i)}");
            if (score > 0) scored++;
            q += fast.Q(i);
            p += fast.P;
        }
        Assert.True(scored > space.Size / 10, $"only {scored} of {space.Size} positions scored");
        Assert.Equal(1.0, q, 9);
        Assert.Equal(1.0, p, 9);
        Assert.Equal(plain.Total, fast.Total);
        Assert.Equal(plain.Draws(seed, 2000), fast.Draws(seed, 2000));
    }

    [Fact]
    public void A_seeded_plan_draws_what_it_always_drew()
    {
        // The whole LeNet-5 fp32 weight space on 20 images, seed 3, the product's defaults: the digest of the 500
        // draws (position and q) recorded by the position-by-position proposal, so stored plans keep their meaning
        // (bench/Neutron.Bench `importance-proposal ../shared/models/lenet5.onnx npy:X,Y --images 20 --count 500
        // --seed 3`, X and Y the reference fmnist_test1000 arrays, prints the same digest).
        string? shared = Shared();
        Assert.True(shared is not null, "../shared (LeNet-5 and the reference images) not found beside the repository");
        var model = OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx"));
        var x = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_y.npy"));
        var runner = new FaultRunner(model, new EvaluationSet(x, y.Longs.ToArray(), 20), new RunnerOptions { Threads = 1 });
        var space = new FaultSpace(runner.Sites.Weights);
        var plan = new ImportancePlan(500);
        var drawn = ImportanceScores.Plan(space, plan, 3, runner, OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx")));
        ulong digest = 14695981039346656037;
        foreach (var d in drawn.Draws)
            foreach (ulong word in new[] { (ulong)d.Position, (ulong)BitConverter.DoubleToInt64Bits(d.Q) })
            { digest ^= word; digest *= 1099511628211; }
        Assert.Equal(1_974_592, space.Size);
        Assert.Equal("6f4eb9ba3d58307f", digest.ToString("x16", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Damage_share_draws_by_damage_and_bounds_the_weights_of_unscored_positions()
    {
        var site = new FaultSite(Neutron.Faults.FaultTarget.Weight, "w", "n", "Conv", [10], 8);
        var space = new FaultSpace([site], maxBit: 7);
        double Score(long x) => x == 3 ? 1 : 0; // one scored position
        double Damage(long x) => x % 8 == 7 ? 1 : x % 8 == 6 ? 0.5 : 0;
        var q = new ImportanceDistribution(space, Score, Damage, 0.1, 0.3);
        Assert.Equal(0.3, q.DamageShare, 12);
        Assert.Equal(0.6, q.ScoreShare, 12);
        double total = 0;
        for (long x = 0; x < space.Size; x++) total += q.Q(x);
        Assert.Equal(1.0, total, 12);
        // Bit 7 of element 4, unscored: q = α/80 + γ·1/15, its weight p/q far below the 1/α of the uniform share alone.
        Assert.Equal(0.1 / 80 + 0.3 / 15, q.Q(4 * 8 + 7), 12);
        var counts = new int[space.Size];
        const int n = 80_000;
        foreach (var d in q.Draws(5, n)) counts[d.Position]++;
        for (long x = 0; x < space.Size; x++)
        {
            double expected = n * q.Q(x), sd = Math.Sqrt(expected);
            Assert.InRange(counts[x], expected - 5 * sd - 1, expected + 5 * sd + 1);
        }
        // No damage share: the draws are those of the two-part mixture, draw for draw.
        var plain = new ImportanceDistribution(space, Score, 0.1);
        Assert.Equal(plain.Draws(5, 1000), new ImportanceDistribution(space, Score, Damage, 0.1, 0).Draws(5, 1000));
        // Nothing scored: the score's share goes to the uniform part.
        var unscored = new ImportanceDistribution(space, _ => 0, Damage, 0.1, 0.3);
        Assert.Equal(0.7, unscored.Alpha, 12);
    }

    [Fact]
    public void Equal_weights_give_the_plain_share()
    {
        var w = Enumerable.Repeat(1.0, 400).ToArray();
        var f = Enumerable.Range(0, 400).Select(i => i % 10 == 0).ToArray();
        var u = ImportanceEstimate.Unbiased(w, f);
        var s = ImportanceEstimate.SelfNormalised(w, f);
        Assert.Equal(0.1, u.Estimate, 12);
        Assert.Equal(0.1, s.Estimate, 12);
        Assert.Equal(400, u.EffectiveSize, 9);
        var wilson = Intervals.Wilson(40, 400);
        // n* = p(1−p)/Var with Var = s²/n (sample variance, n − 1): Wilson at n·(n−1)/n ≈ n.
        Assert.Equal(wilson.Lower, u.Interval.Lower, 3);
        Assert.Equal(wilson.Upper, u.Interval.Upper, 3);
        var none = ImportanceEstimate.Unbiased(w, new bool[400]);
        Assert.Equal(0, none.Interval.Lower);
        Assert.True(none.Interval.Upper > 0.005, "no success must not read as certainty");
    }

    [Fact]
    public void Score_rule_caps_huge_and_non_finite_changes()
    {
        Assert.Equal(2.0, ImportanceScores.Score(0, double.PositiveInfinity, 2.0));
        Assert.Equal(2.0, ImportanceScores.Score(0, double.NaN, 2.0));
        Assert.Equal(2.0, ImportanceScores.Score(1e-3, 1e38, 2.0));
        Assert.Equal(0.5, ImportanceScores.Score(-0.25, 2, 2.0));
        // FP32: bit 30 of 1.0f makes the exponent all ones: +Inf, an exact δ of +Inf.
        var enc = new Neutron.Faults.Formats.TensorEncoding(Neutron.Faults.Formats.NumberFormat.Fp32);
        var fault = new Neutron.Faults.Fault(Neutron.Faults.FaultTarget.Weight, "w", 0, 30, Neutron.Faults.Models.FaultModel.Flip);
        Assert.Equal(double.PositiveInfinity, ImportanceScores.Delta(enc, 0, BitConverter.SingleToUInt32Bits(1f), fault));
        var mantissa = fault with { Bit = 0 };
        Assert.Equal(Math.Pow(2, -23), ImportanceScores.Delta(enc, 0, BitConverter.SingleToUInt32Bits(1f), mantissa), 15);
        // Damage: the change against the site's largest magnitude, at most 1; non-finite changes are 1.
        Assert.Equal(1.0, ImportanceScores.Damage(double.NaN, 2));
        Assert.Equal(1.0, ImportanceScores.Damage(1e37, 2));
        Assert.Equal(0.25, ImportanceScores.Damage(-0.5, 2));
        Assert.Equal(0.0, ImportanceScores.Damage(0, 2));
        Assert.Equal(1.0, ImportanceScores.Damage(1e-9, 0));
    }

    [Fact]
    public void LeNet_conv1_importance_estimates_cover_the_exhaustive_truth_and_beat_uniform()
    {
        var c = Conv1.Value;
        double truth = c.Critical.Count(x => x) / (double)c.Critical.Length;
        int covered = 0, coveredUniform = 0;
        var estimates = new List<double>();
        var uniform = new List<double>();
        double width = 0, widthUniform = 0;
        long hitsImportance = 0, hitsUniform = 0;
        for (int k = 0; k < Campaigns; k++)
        {
            var draws = c.Distribution.Draws((ulong)k + 1, Draws);
            var w = draws.Select(d => d.P / d.Q).ToArray();
            var f = draws.Select(d => c.Critical[d.Position]).ToArray();
            var r = ImportanceEstimate.Unbiased(w, f);
            estimates.Add(r.Estimate);
            width += r.Interval.Upper - r.Interval.Lower;
            if (r.Interval.Contains(truth)) covered++;
            hitsImportance += f.Take(100).Count(x => x);
            // Uniform: a random:500 campaign (without replacement), Wilson.
            var picks = FaultPlanner.Floyd(c.Critical.Length, Draws, (ulong)k + 1, 5).ToArray();
            int hits = picks.Count(p => c.Critical[p]);
            uniform.Add(hits / (double)Draws);
            var wi = Intervals.Wilson(hits, Draws);
            widthUniform += wi.Upper - wi.Lower;
            if (wi.Contains(truth)) coveredUniform++;
            for (int j = 0; j < 100; j++) if (c.Critical[CounterRng.Below((ulong)k + 1, (ulong)j, 9, (ulong)c.Critical.Length)]) hitsUniform++;
        }
        double mean = estimates.Average(), sd = Sd(estimates), sdUniform = Sd(uniform);
        double se = sd / Math.Sqrt(Campaigns);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LeNet-5 conv1 (4,992 flips, 100 images): exhaustive critical(1 pp) {truth:P3}; {Campaigns} importance campaigns of {Draws}: mean {mean:P3} (SE of the mean {se:P3}), sd {sd:P3}, 95 % coverage {covered * 100.0 / Campaigns:F1} %, mean width {width / Campaigns:P3}; " +
            $"uniform: sd {sdUniform:P3}, coverage {coveredUniform * 100.0 / Campaigns:F1} %, mean width {widthUniform / Campaigns:P3}; variance ratio {sdUniform * sdUniform / (sd * sd):F1}; " +
            $"critical among the first 100 faults: importance {hitsImportance / (double)Campaigns:F1}, uniform {hitsUniform / (double)Campaigns:F1}"));
        Assert.InRange(truth, mean - 2 * se, mean + 2 * se);
        Assert.True(covered >= 0.93 * Campaigns, $"coverage {covered}/{Campaigns}");
        Assert.True(width < widthUniform, $"importance interval width {width / Campaigns} is not below uniform's {widthUniform / Campaigns}");
        Assert.True(sd < sdUniform, "importance sampling must have the smaller spread");
    }

    [Fact]
    public void Margin_and_cross_entropy_scores_compared_on_LeNet_conv1()
    {
        var c = Conv1.Value;
        double truth = c.Critical.Count(x => x) / (double)c.Critical.Length;
        foreach (var (name, q) in new[] { ("margin", c.Distribution), ("cross-entropy", c.CrossEntropy) })
        {
            var estimates = new List<double>();
            long first100 = 0;
            for (int k = 0; k < Campaigns; k++)
            {
                var draws = q.Draws((ulong)k + 1, Draws);
                var r = ImportanceEstimate.Unbiased(draws.Select(d => d.P / d.Q).ToArray(), draws.Select(d => c.Critical[d.Position]).ToArray());
                estimates.Add(r.Estimate);
                first100 += draws.Take(100).Count(d => c.Critical[d.Position]);
            }
            double sd = Sd(estimates);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: mean {estimates.Average():P3} (truth {truth:P3}), sd {sd:P3}, critical among the first 100: {first100 / (double)Campaigns:F1}"));
            Assert.InRange(estimates.Average(), truth - 4 * sd / Math.Sqrt(Campaigns), truth + 4 * sd / Math.Sqrt(Campaigns));
        }
    }

    sealed record Conv1Data(bool[] Critical, ImportanceDistribution Distribution, ImportanceDistribution CrossEntropy);

    // The tests need ../shared like every other test that reads it: missing, they fail with this line, never pass.
    static readonly Lazy<Conv1Data> Conv1 = new(() =>
    {
        string shared = Shared() ?? throw new InvalidOperationException("../shared not found beside the repository (LeNet-5 and the reference images): these tests need it");
        string fixture = Fixture();
        var model = OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx"));
        var x = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(Path.Combine(shared, "reference", "fmnist_test1000_y.npy"));
        var runner = new FaultRunner(model, new EvaluationSet(x, y.Longs.ToArray(), 100), new RunnerOptions { Threads = 1 });
        var space = new FaultSpace(runner.Sites.Weights.Where(s => s.Tensor.StartsWith("conv1", StringComparison.Ordinal)));
        var truth = File.ReadAllLines(fixture).Skip(1).Select(l => l.Split(','))
            .ToDictionary(r => r[0], r => double.Parse(r[2], CultureInfo.InvariantCulture) > 1.0);
        var critical = new bool[space.Size];
        for (long i = 0; i < space.Size; i++) critical[i] = truth[space.FaultAt(i).ToString()];
        // The product's defaults (ImportancePlan): α = 0.1, damage share 0.3.
        var plan = new ImportancePlan(Draws);
        var (score, damage, _) = ImportanceScores.For(space, runner, model, ImportanceScore.Margin, 0);
        var (ce, ceDamage, _) = ImportanceScores.For(space, runner, OnnxReader.Load(Path.Combine(shared, "models", "lenet5.onnx")), ImportanceScore.CrossEntropy, 0);
        return new Conv1Data(critical, new ImportanceDistribution(space, score, damage, plan.Alpha, plan.Damage),
            new ImportanceDistribution(space, ce, ceDamage, plan.Alpha, plan.Damage));
    });

    static string Fixture([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../data/lenet5-conv1-exhaustive-100img.csv"));

    static string? Shared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx")))
            {
                var beside = Path.Combine(dir.Parent!.FullName, "shared");
                return File.Exists(Path.Combine(beside, "models", "lenet5.onnx")) ? beside : null;
            }
        return null;
    }

    static double Sd(List<double> v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(a => (a - m) * (a - m)) / (v.Count - 1));
    }
}
