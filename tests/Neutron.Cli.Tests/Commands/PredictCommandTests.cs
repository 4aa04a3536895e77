// `neutron predict` end to end on a hand-made campaign over the bundled LeNet-5's conv1 (weights and bias): flips of
// bits 30 and 31 are stored with a 5 pp drop, all others with none, so the forests must separate them perfectly; and
// the refusals when the campaign's model is missing or changed. The campaign records the bundled images (its first
// 100), on which the gradient features are measured.
using System.Security.Cryptography;
using System.Text.Json;
using Neutron.Results.Store;

namespace Neutron.Cli.Tests.Commands;

public class PredictCommandTests
{
    /// <summary>A campaign of `faults` flips spread over conv1's 156 × 32 bits, drop 5 pp on bits 30–31.</summary>
    internal static string MakeDb(TempDir dir, string modelPath, string? sha = null, int faults = 900, string? data = null)
    {
        data ??= "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000");
        string path = dir.File("c.db");
        using var store = SqliteCampaignStore.Open(path, create: true);
        sha ??= Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(modelPath)));
        var list = Enumerable.Range(0, faults).Select(i =>
        {
            long position = (long)i * 4992 / faults; // element-major: 32 bits per element
            string tensor = position < 4800 ? "conv1.weight" : "conv1.bias";
            long element = (position < 4800 ? position : position - 4800) / 32;
            int bit = (int)(position % 32 + i) % 32;
            return ((long)i, $"weight:{tensor}@{element}#{bit}");
        }).ToList();
        long id = store.CreateCampaign(new CampaignSettings
        {
            ToolVersion = "test", ModelPath = modelPath, ModelSha256 = sha, DataSpec = data, Images = 100, Format = "fp32",
            Target = "weights", FaultModel = "flip", Sites = new Neutron.Faults.Sites.SiteFilter { NameOrLayer = "conv1*" }, Planner = "random:900", Seed = 1, KernelSet = "scalar", PlanSize = faults,
        }, list);
        store.WriteGolden(id, Enumerable.Range(0, 100).Select(i => new GoldenPrediction(i, i % 10, i % 10)).ToArray());
        store.WriteBatch(id, list.Select(f =>
        {
            bool critical = f.Item2.EndsWith("#30", StringComparison.Ordinal) || f.Item2.EndsWith("#31", StringComparison.Ordinal);
            return new StoredOutcome(f.Item1, 100, 100, critical ? 95 : 100, 0, 0, []);
        }).ToList());
        return path;
    }

    [Fact]
    public void Predict_separates_a_clean_rule_and_writes_every_bit()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        // The labels follow the bit alone: the structural features give it away (measured gradients would only add noise here).
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1,5", "--trees", "20", "--folds", "5", "--features", "structural", "--out", dir.File("p.csv"));
        Assert.True(r.Code == 0, r.Err);
        // τ = 1: bits 30–31 are critical, 2/32 of the rows; τ = 5: none is (5 is not > 5).
        var rows = r.Out.Split('\n').Where(l => l.TrimStart().StartsWith('1') || l.TrimStart().StartsWith('5')).ToArray();
        Assert.Equal(4, rows.Length);
        // Near-perfect: a balanced forest's 20 trees, each grown on about 2 × 53 rows, may rank a stray pair wrongly.
        Assert.All(rows.Take(2), l => Assert.InRange(double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture), 0.999, 1.0));
        Assert.All(rows.Skip(2), l => Assert.Contains("–", l));
        var csv = File.ReadAllLines(dir.File("p.csv"));
        Assert.Equal("fault,probability,critical", csv[0]);
        Assert.Equal(1 + 156 * 32, csv.Length);
        Assert.Equal("weight:conv1.weight@0#0", csv[1].Split(',')[0]);
        // Every bit 30 and 31 of the 156 parameters is predicted critical; the bits never injected may draw a few false
        // alarms (a balanced forest of 20 trees that saw 900 of the 4,992 bits).
        bool High(string l) => l.Contains("#30,", StringComparison.Ordinal) || l.Contains("#31,", StringComparison.Ordinal);
        Assert.All(csv.Skip(1).Where(High), l => Assert.EndsWith(",1", l));
        int falseAlarms = csv.Skip(1).Count(l => !High(l) && l.EndsWith(",1", StringComparison.Ordinal));
        Assert.InRange(falseAlarms, 0, 50);
        Assert.Contains($"4,992 bits ({312 + falseAlarms:N0} predicted critical at τ = 1 pp, brf)", r.Err);

        // The same prediction, one row per stored word, in the database: each word's bits and critical mask as in the CSV.
        using var store = CampaignStore.Open(db, create: false);
        long id = store.SingleCampaign();
        Assert.Equal(new CriticalitySet(1, "brf", 156, 156) { Threshold = Neutron.Protection.Criticality.Threshold.Default }, Assert.Single(store.CriticalitySets(id)));
        var fromCsv = csv.Skip(1).Select(l => l.Split(',')).GroupBy(f => f[0][..f[0].IndexOf('#')])
            .ToDictionary(g => g.Key, g => (Probabilities: g.Select(f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                Mask: g.Select((f, bit) => f[2] == "1" ? 1L << bit : 0).Sum()));
        var words = store.Criticality(id, 1, "brf").ToList();
        Assert.Equal(156, words.Count);
        foreach (var w in words)
        {
            var (p, mask) = fromCsv[$"weight:{w.Tensor}@{w.Element}"];
            Assert.Equal((0, 32, mask), (w.LowBit, w.Probabilities.Length, w.CriticalBits));
            for (int b = 0; b < 32; b++) Assert.Equal(p[b], w.Probabilities[b], 4);
        }
    }

    [Fact]
    public void Predict_recall_chooses_the_threshold_by_cross_validation()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--forest", "rf", "--trees", "10", "--folds", "3", "--recall", "0.99", "--json", "--out", dir.File("p.csv"));
        Assert.True(r.Code == 0, r.Err);
        var p = JsonDocument.Parse(r.Out).RootElement.GetProperty("predictions");
        Assert.True(p.GetProperty("cv_recall").GetDouble() >= 0.99);
        // The cut rests on a lower confidence bound of the cross-validated recall: it reaches the target, or every
        // injected critical bit is kept and the output says the target was not reached.
        double lower = p.GetProperty("cv_recall_lower").GetDouble();
        Assert.True(p.GetProperty("recall_reached").GetBoolean() ? lower >= 0.99 : p.GetProperty("cv_recall").GetDouble() == 1.0 && r.Err.Contains("cannot promise 0.99"), r.Err);
        Assert.True(lower < p.GetProperty("cv_recall").GetDouble());
        double t = p.GetProperty("threshold").GetDouble();
        Assert.False(p.GetProperty("threshold_strict").GetBoolean());
        Assert.Contains("cross-validated recall", r.Err);
        // The CSV's critical column follows the threshold (p ≥ t; probabilities are printed to 4 decimals).
        foreach (var f in File.ReadLines(dir.File("p.csv")).Skip(1).Select(l => l.Split(',')))
        {
            double prob = double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
            if (Math.Abs(prob - t) > 1e-4) Assert.Equal(prob >= t ? "1" : "0", f[2]);
        }
        // The threshold is stored with the set, and summary shows it.
        using (var store = CampaignStore.Open(db, create: false))
        {
            var cut = Assert.Single(store.CriticalitySets(store.SingleCampaign())).Threshold!;
            Assert.Equal((t, false, 0.99, p.GetProperty("cv_recall").GetDouble()), (cut.Value, cut.Strict, cut.TargetRecall, cut.Recall));
        }
        var summary = CliHarness.Run("summary", "--db", db, "--json");
        Assert.True(summary.Code == 0, summary.Err);
        var set = Assert.Single(JsonDocument.Parse(summary.Out).RootElement.GetProperty("predicted_criticality").EnumerateArray());
        Assert.Equal((t, 0.99), (set.GetProperty("threshold").GetDouble(), set.GetProperty("target_recall").GetDouble()));
        Assert.Contains("critical when p ≥", CliHarness.Run("summary", "--db", db).Out);
        var bad = CliHarness.Run("predict", "--db", db, "--recall", "1.5");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("--recall 1.5 must be a share in (0, 1]", bad.Err);
    }

    [Fact]
    public void Gradient_features_are_measured_on_the_campaign_images_and_need_them()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var all = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--forest", "rf", "--trees", "5", "--folds", "3", "--no-store", "--json");
        Assert.True(all.Code == 0, all.Err);
        var names = JsonDocument.Parse(all.Out).RootElement.GetProperty("features").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["gradient", "sensitivity"], names[^2..]);
        Assert.Contains("gradient sensitivity measured on 100 images", all.Err);
        using var other = new TempDir();
        string moved = MakeDb(other, CliHarness.Samples("lenet5-fmnist.onnx"), data: "idx:" + dir.File("gone"));
        var missing = CliHarness.Run("predict", "--db", moved, "--tolerance", "1", "--trees", "5", "--folds", "3", "--no-store");
        Assert.Equal(3, missing.Code);
        Assert.Contains("cannot read the campaign's data", missing.Err);
        Assert.Contains("hint: the gradient features are measured on the campaign's images: give them where they are now with --data", missing.Err);
        Assert.Contains("--features structural", missing.Err);
        // --data gives the moved images, --images fewer of them.
        var given = CliHarness.Run("predict", "--db", moved, "--tolerance", "1", "--forest", "rf", "--trees", "5", "--folds", "3", "--no-store",
            "--data", "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"), "--images", "20");
        Assert.True(given.Code == 0, given.Err);
        Assert.Contains("gradient sensitivity measured on 20 images", given.Err);
        var wrong = CliHarness.Run("predict", "--db", moved, "--tolerance", "1", "--trees", "5", "--folds", "3", "--no-store", "--data", "idx:" + dir.File("nowhere"));
        Assert.Equal(3, wrong.Code);
        Assert.Contains("cannot read --data", wrong.Err);
        var structural = CliHarness.Run("predict", "--db", moved, "--tolerance", "1", "--forest", "rf", "--trees", "5", "--folds", "3", "--no-store", "--features", "structural", "--json");
        Assert.True(structural.Code == 0, structural.Err);
        Assert.Equal(15, JsonDocument.Parse(structural.Out).RootElement.GetProperty("features").GetArrayLength());
    }

    /// <summary>A truth campaign: every bit of conv1 (weights and bias) flipped once, drop 5 pp on bits 30–31.</summary>
    static string MakeTruthDb(TempDir dir, string modelPath, string format = "fp32")
    {
        string path = dir.File("truth.db");
        using var store = SqliteCampaignStore.Open(path, create: true);
        var list = Enumerable.Range(0, 4992).Select(i =>
            ((long)i, i < 4800 ? $"weight:conv1.weight@{i / 32}#{i % 32}" : $"weight:conv1.bias@{(i - 4800) / 32}#{i % 32}")).ToList();
        long id = store.CreateCampaign(new CampaignSettings
        {
            ToolVersion = "test", ModelPath = modelPath, ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(modelPath))),
            DataSpec = "idx:" + CliHarness.Samples("fashion-mnist", "t10k-1000"), Images = 100, Format = format,
            Target = "weights", FaultModel = "flip", Sites = new Neutron.Faults.Sites.SiteFilter { NameOrLayer = "conv1*" }, Planner = "exhaustive", Seed = 1, KernelSet = "scalar", PlanSize = 4992,
        }, list);
        store.WriteGolden(id, Enumerable.Range(0, 100).Select(i => new GoldenPrediction(i, i % 10, i % 10)).ToArray());
        store.WriteBatch(id, list.Select(f => new StoredOutcome(f.Item1, 100, 100, f.Item1 % 32 >= 30 ? 95 : 100, 0, 0, [])).ToList());
        return path;
    }

    [Fact]
    public void Predict_truth_checks_every_bit_against_another_campaign()
    {
        using var dir = new TempDir();
        string model = CliHarness.Samples("lenet5-fmnist.onnx");
        string db = MakeDb(dir, model);
        string truth = MakeTruthDb(dir, model);
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--forest", "brf", "--trees", "20", "--folds", "5", "--features", "structural",
            "--no-store", "--out", dir.File("p.csv"), "--truth", truth, "--json");
        Assert.True(r.Code == 0, r.Err);
        var rows = JsonDocument.Parse(r.Out).RootElement.GetProperty("truth").EnumerateArray().ToArray();
        Assert.Equal(["every bit", "never injected"], rows.Select(x => x.GetProperty("bits").GetString()));

        // The same join computed here from the CSV and the training faults.
        var csv = File.ReadLines(dir.File("p.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        bool Critical(string fault) => fault.EndsWith("#30", StringComparison.Ordinal) || fault.EndsWith("#31", StringComparison.Ordinal);
        HashSet<string> trained;
        using (var store = CampaignStore.Open(db, create: false)) trained = [.. store.Outcomes(store.SingleCampaign()).Select(o => o.Fault)];
        foreach (var (row, keep) in new (JsonElement, Func<string, bool>)[] { (rows[0], _ => true), (rows[1], f => !trained.Contains(f)) })
        {
            var bits = csv.Where(c => keep(c[0])).ToArray();
            int critical = bits.Count(c => Critical(c[0])), missed = bits.Count(c => Critical(c[0]) && c[2] == "0"), alarms = bits.Count(c => !Critical(c[0]) && c[2] == "1");
            Assert.Equal((bits.Length, critical, missed), (row.GetProperty("count").GetInt32(), row.GetProperty("critical").GetInt32(), row.GetProperty("missed").GetInt32()));
            Assert.Equal((double)(critical - missed) / critical, row.GetProperty("recall").GetDouble(), 12);
            Assert.Equal(100.0 * alarms / bits.Length, row.GetProperty("false_alarm_pct").GetDouble(), 12);
            double auc = Neutron.Protection.Forest.BinaryMetrics.RocAuc(
                [.. bits.Select(c => double.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture))], [.. bits.Select(c => Critical(c[0]))]);
            Assert.Equal(auc, row.GetProperty("roc_auc").GetDouble(), 3); // the CSV rounds probabilities to 4 decimals
        }
        Assert.Equal(4992, rows[0].GetProperty("count").GetInt32());
        Assert.True(rows[1].GetProperty("count").GetInt32() < 4992 - 800);
        Assert.Contains("against the truth campaign", CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--forest", "brf", "--trees", "5", "--folds", "3",
            "--features", "structural", "--no-store", "--truth", truth).Out);
    }

    [Fact]
    public void Predict_truth_of_another_model_or_format_is_refused()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"), faults: 100);
        string truth = MakeTruthDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"), format: "fp16");
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--trees", "5", "--folds", "3", "--features", "structural", "--no-store", "--truth", truth);
        Assert.Equal(3, r.Code);
        Assert.Contains("in fp16, not this campaign's model in fp32", r.Err);
        Assert.Contains("hint: give a campaign of the same model", r.Err);
        var gone = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--trees", "5", "--folds", "3", "--features", "structural", "--no-store", "--truth", dir.File("none.db"));
        Assert.NotEqual(0, gone.Code);
        Assert.Contains("hint:", gone.Err);
    }

    [Fact]
    public void Predict_no_store_leaves_the_database_without_predictions()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1", "--trees", "5", "--folds", "3", "--no-store");
        Assert.True(r.Code == 0, r.Err);
        using var store = CampaignStore.Open(db, create: false);
        Assert.Empty(store.CriticalitySets(store.SingleCampaign()));
    }

    [Fact]
    public void Predict_prints_json_with_every_score()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"));
        var r = CliHarness.Run("predict", "--db", db, "--tolerance", "1,5", "--trees", "10", "--folds", "3", "--forest", "rf", "--features", "paper", "--json");
        Assert.True(r.Code == 0, r.Err);
        var doc = JsonDocument.Parse(r.Out).RootElement;
        Assert.Equal(900, doc.GetProperty("rows").GetInt32());
        Assert.Equal(5, doc.GetProperty("features").GetArrayLength());
        var score = doc.GetProperty("scores")[0];
        Assert.Equal("rf", score.GetProperty("forest").GetString());
        Assert.Equal(1.0, score.GetProperty("roc_auc").GetDouble(), 9);
        double sum = new[] { "tn_pct", "fp_pct", "fn_pct", "tp_pct" }.Sum(k => score.GetProperty(k).GetDouble());
        Assert.Equal(100.0, sum, 9);
        Assert.Equal(100.0 * score.GetProperty("critical").GetInt32() / 900, score.GetProperty("tp_pct").GetDouble(), 9);
        Assert.Equal(0.0, score.GetProperty("fn_pct").GetDouble());
        // τ = 5: no critical bit, nothing to cross-validate: null scores.
        var empty = doc.GetProperty("scores")[1];
        Assert.Equal((0, JsonValueKind.Null, JsonValueKind.Null), (empty.GetProperty("critical").GetInt32(), empty.GetProperty("roc_auc").ValueKind, empty.GetProperty("tp_pct").ValueKind));
    }

    [Fact]
    public void Predict_refuses_a_missing_or_changed_model()
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, dir.File("gone.onnx"), sha: "ab12");
        var missing = CliHarness.Run("predict", "--db", db);
        Assert.Equal(3, missing.Code);
        Assert.Contains("is missing", missing.Err);
        Assert.Contains("hint:", missing.Err);

        using var other = new TempDir();
        string changed = MakeDb(other, CliHarness.Samples("lenet5-fmnist.onnx"), sha: new string('0', 64));
        var r = CliHarness.Run("predict", "--db", changed);
        Assert.Equal(3, r.Code);
        Assert.Contains("SHA-256", r.Err);
        Assert.Contains("hint: the model changed", r.Err);
    }

    [Theory]
    [InlineData("--forest", "xgboost", "use rf, brf or both")]
    [InlineData("--folds", "1", "e.g. --folds 10")]
    [InlineData("--trees", "0", "e.g. --trees 100")]
    [InlineData("--features", "some", "use all, structural or paper")]
    [InlineData("--tolerance", "-1", "e.g. --tolerance 0.5,1,2")]
    public void Predict_usage_errors_exit_2(string option, string value, string hint)
    {
        using var dir = new TempDir();
        string db = MakeDb(dir, CliHarness.Samples("lenet5-fmnist.onnx"), faults: 50);
        var r = CliHarness.Run("predict", "--db", db, option, value);
        Assert.Equal(2, r.Code);
        Assert.Contains("hint: " + hint, r.Err);
    }
}
