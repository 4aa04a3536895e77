// neutron predict --db FILE: learns from a campaign's weight flips which (parameter, bit) are critical (drop > τ pp)
// from structural features only (Neutron.Protection.Criticality), prints Table II per tolerance (cross-validated ROC
// AUC, PR AUC, confusion shares) and predicts every bit of the campaign's weight space (at the first τ, brf unless
// --forest rf) into the database's bit_criticality table, a block per transaction, and with --out into a CSV;
// --truth checks that prediction bit by bit against another (exhaustive) campaign of the same model and format.
// It needs the campaign's model (the stored words): refused when missing or when its SHA-256 differs.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neutron.Cli.Options;
using Neutron.Protection.Criticality;
using Neutron.Campaigns;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class PredictCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var tolerance = new Option<string[]>("--tolerance") { Description = "tolerances τ in pp, e.g. 0.5,1,2 (default 0.5,1,2,5,10); every bit is predicted at the first (brf unless --forest rf)", AllowMultipleArgumentsPerToken = true };
        var forest = new Option<string>("--forest") { Description = "rf, brf or both", DefaultValueFactory = _ => "both" };
        var folds = new Option<int>("--folds") { Description = "cross-validation folds", DefaultValueFactory = _ => 10 };
        var trees = new Option<int>("--trees") { Description = "trees per forest", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "seed of folds, bootstraps and feature subsets", DefaultValueFactory = _ => 0 };
        var features = new Option<string>("--features") { Description = "all (the stored word's features and the gradient sensitivity measured on the campaign's images), structural (the stored word's only) or paper (sign, bit, layer, output and input channel)", DefaultValueFactory = _ => "all" };
        var output = new Option<FileInfo?>("--out") { Description = "also a CSV of every weight bit: fault,probability,critical" };
        var recall = new Option<double?>("--recall") { Description = "call a bit critical at p ≥ t instead of p > 0.5, with t the largest threshold whose cross-validated recall of the critical bits has a one-sided 95 % lower confidence bound (Clopper–Pearson) ≥ this share (e.g. 0.99); when too few critical bits were injected for that, t keeps them all" };
        var noStore = new Option<bool>("--no-store") { Description = "do not predict every bit into the database (table bit_criticality); with --out, only the CSV" };
        var truth = new Option<string?>("--truth") { Description = "check the prediction of every bit against another campaign of the same model and format (an exhaustive one, of the whole space or of some layers): ROC AUC, recall of its critical bits at the cut, false alarms, over every bit it holds and over those never injected here" };
        var data = CampaignImages.Data();
        data.Description = "--features all: the images to measure the gradients on, FORMAT:PATH (default: the data the campaign recorded)";
        var images = CampaignImages.Images();
        images.Description = "--features all: measure the gradients on the first N images (default: as many as the campaign ran)";
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the campaign's model, when it moved (same SHA-256)" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var command = new Command("predict", "Predict the critical weight bits from a campaign's weight flips (random forests)")
            { db, campaign, tolerance, forest, folds, trees, seed, features, recall, output, noStore, truth, modelPath, data, images, json };
        command.SetAction(parse =>
        {
            var options = new PredictOptions
            {
                Tolerances = CliModel.Floats(parse.GetValue(tolerance), "--tolerance")?.Select(t => (double)t).ToArray() ?? new PredictOptions().Tolerances,
                Forests = parse.GetValue(forest) switch
                {
                    "rf" => [ForestKind.RandomForest], "brf" => [ForestKind.Balanced], "both" => [ForestKind.RandomForest, ForestKind.Balanced],
                    var f => throw new UserError($"--forest '{f}' is unknown", "use rf, brf or both"),
                },
                Folds = parse.GetValue(folds) is >= 2 and var k ? k : throw new UserError($"--folds {parse.GetValue(folds)} must be ≥ 2", "e.g. --folds 10"),
                Trees = parse.GetValue(trees) is >= 1 and var t ? t : throw new UserError($"--trees {parse.GetValue(trees)} must be ≥ 1", "e.g. --trees 100"),
                Seed = parse.GetValue(seed),
                PaperFeaturesOnly = parse.GetValue(features) == "paper",
            };
            string featureSet = parse.GetValue(features) is ("all" or "structural" or "paper") and var named ? named
                : throw new UserError($"--features '{parse.GetValue(features)}' is unknown", "use all, structural or paper");
            if (parse.GetValue(recall) is { } wanted && !(wanted > 0 && wanted <= 1))
                throw new UserError($"--recall {F(wanted)} must be a share in (0, 1]", "e.g. --recall 0.99");
            if (options.Tolerances.Any(t => !(t >= 0))) throw new UserError("--tolerance values must be ≥ 0 percentage points", "e.g. --tolerance 0.5,1,2");
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            string path = parse.GetValue(modelPath)?.FullName ?? s.ModelPath;
            var (space, weights) = WeightSpace(path, s);
            var clock = Stopwatch.StartNew();
            var gradients = featureSet == "all" ? Gradients(path, CampaignImages.Load(s, parse.GetValue(data), parse.GetValue(images), "the gradient features are measured on", "or use --features structural"), space, weights) : null;
            if (gradients is not null) Console.Error.WriteLine($"predict: gradient sensitivity measured on {gradients.Value.Images:N0} images in {clock.Elapsed.TotalSeconds:F1} s");
            var study = new CriticalityStudy(store.Outcomes(id).Select(o => ((Fault?)Fault.Parse(o.Fault), o.Drop)), space, weights, options, gradients?.Mean);
            if (study.Data.Rows == 0)
                throw new UserError($"campaign {id} in '{store.Path}' holds no single-bit flip of a weight", "run a campaign with --target weights --model flip", ExitCodes.ModelOrData);
            var last = DateTime.MinValue;
            void Say(string line) // progress on stderr, at most a line every two seconds
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 2) return;
                last = DateTime.UtcNow;
                Console.Error.WriteLine(line);
            }
            var scores = study.Evaluate(new SyncProgress<(int Done, int Total)>(p => Say($"predict: {p.Done}/{p.Total} folds trained, {clock.Elapsed:hh\\:mm\\:ss}")));
            Console.Error.WriteLine($"predict: cross-validation done in {clock.Elapsed.TotalSeconds:F1} s");
            store.WriteScores(id, scores.Select(r => new StoredScore(r.Tolerance, CriticalityPredictor.Name(r.Forest), featureSet,
                r.Rows, r.Critical, r.Folds, options.Trees, r.RocAuc, r.PrAuc, r.Confusion.TrueNegative, r.Confusion.FalsePositive, r.Confusion.FalseNegative, r.Confusion.TruePositive)));
            object? written = null;
            IReadOnlyList<TruthScore>? checkedScores = null;
            bool save = !parse.GetValue(noStore);
            if (save || parse.GetValue(output) is not null || parse.GetValue(truth) is not null)
            {
                double tau = options.Tolerances[0];
                var check = parse.GetValue(truth) is { } truthDb ? Truth(truthDb, s, space, study, tau) : null;
                var kind = options.Forests[^1];
                string name = CriticalityPredictor.Name(kind);
                var model = study.Train(tau, kind);
                var cut = parse.GetValue(recall) is { } target ? Threshold.ForRecall(scores.First(r => r.Tolerance == tau && r.Forest == kind), target) : Threshold.Default;
                if (!double.IsNaN(cut.TargetRecall))
                    Console.Error.WriteLine($"predict: critical when {cut.Describe()}"
                        + (cut.Reached ? "" : $"; {study.Data.Labels(tau).Count(l => l):N0} critical bits cannot promise {F(cut.TargetRecall)}: a campaign with more faults (a smaller margin) can"));
                var file = parse.GetValue(output);
                using var writer = file is null ? null : new StreamWriter(file.FullName);
                if (save) store.ClearCriticality(id, tau, name);
                Action<IReadOnlyList<ParameterPrediction>>? sink = save ? block => store.WriteCriticality(id, tau, name, block) : null;
                var (bits, critical) = study.Predict(model, writer, sink, cut, new SyncProgress<long>(n => Say($"predict: {n:N0}/{space.Size:N0} bits predicted, {clock.Elapsed:hh\\:mm\\:ss}")), check);
                checkedScores = check?.Scores();
                if (save) store.WriteThreshold(id, tau, name, cut);
                string where = string.Join(" and ", new[] { save ? $"table bit_criticality of '{store.Path}'" : null, file is null ? null : $"'{file.FullName}'" }.OfType<string>());
                Console.Error.WriteLine($"predict: {bits:N0} bits ({critical:N0} predicted critical at τ = {F(tau)} pp, {name}) in {where}, {clock.Elapsed.TotalSeconds:F1} s in all");
                written = new
                {
                    file = file?.FullName, stored = save, tolerance = tau, forest = name, bits, predicted_critical = critical,
                    threshold = cut.Value, threshold_strict = cut.Strict, cv_recall = Num(cut.Recall), cv_recall_lower = Num(cut.RecallLower), recall_reached = double.IsNaN(cut.TargetRecall) ? (bool?)null : cut.Reached, cv_false_alarm_pct = Num(cut.FalseAlarmPct),
                };
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    campaign = id, model = s.ModelPath, format = s.Format, rows = study.Data.Rows, skipped = study.Data.Skipped,
                    features = study.Matrix.Names, folds = options.Folds, trees = options.Trees, seed = options.Seed,
                    scores = scores.Select(r => new
                    {
                        tolerance = r.Tolerance, forest = CriticalityPredictor.Name(r.Forest), rows = r.Rows, critical = r.Critical, folds = r.Folds,
                        roc_auc = Num(r.RocAuc), pr_auc = Num(r.PrAuc),
                        tn_pct = Num(Shares(r)[0]), fp_pct = Num(Shares(r)[1]), fn_pct = Num(Shares(r)[2]), tp_pct = Num(Shares(r)[3]),
                    }),
                    predictions = written,
                    truth = checkedScores?.Select(c => new
                    {
                        bits = c.Bits, count = c.Count, critical = c.Critical, roc_auc = Num(c.RocAuc), recall = Num(c.Recall), missed = c.Missed,
                        false_alarm_pct = Num(c.FalseAlarmPct),
                    }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"campaign {id}: {s.ModelPath}, {s.Format}; {study.Data.Rows:N0} weight flips ({study.Data.Skipped:N0} other outcomes left out), "
                + $"{study.Matrix.Columns} features, {options.Trees} trees, seed {options.Seed}");
            Console.WriteLine($"critical(τ) predicted by {options.Folds}-fold stratified cross-validation: mean ROC AUC and PR AUC (average precision) over the folds; "
                + "confusion as shares of all injected bits, critical when p > 0.5");
            Console.WriteLine($"{"τ pp",6} {"forest",6} {"critical",9} {"ROC AUC",8} {"PR AUC",8} {"TN %",7} {"FP %",7} {"FN %",7} {"TP %",7}");
            foreach (var r in scores)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{F(r.Tolerance),6} {CriticalityPredictor.Name(r.Forest),6} {r.Critical,9:N0} {Cell(r.RocAuc, "F4"),8} {Cell(r.PrAuc, "F4"),8} ")
                    + string.Join(' ', Shares(r).Select(v => $"{Cell(v, "F3"),7}")));
            if (scores.Any(r => r.Folds == 0)) Console.WriteLine("–: fewer than two critical (or acceptable) bits at this τ; nothing to cross-validate");
            if (checkedScores is not null)
            {
                Console.WriteLine($"against the truth campaign '{parse.GetValue(truth)}' at τ = {F(options.Tolerances[0])} pp ({CriticalityPredictor.Name(options.Forests[^1])}; "
                    + "recall and false alarms at the cut, false alarms as a share of the bits):");
                Console.WriteLine($"{"bits",-15} {"count",10} {"critical",9} {"ROC AUC",8} {"recall",7} {"missed",7} {"false alarms %",15}");
                foreach (var c in checkedScores)
                    Console.WriteLine($"{c.Bits,-15} {c.Count,10:N0} {c.Critical,9:N0} {Cell(c.RocAuc, "F4"),8} {Cell(c.Recall, "F4"),7} {c.Missed,7:N0} {Cell(c.FalseAlarmPct, "F3"),15}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The campaign's weight space and its stored words; the model must be the campaign's (same SHA-256).</summary>
    internal static (FaultSpace, StoredWeights) WeightSpace(string path, CampaignSettings s)
    {
        if (!File.Exists(path))
            throw new UserError($"the campaign's model '{path}' is missing", "the stored weights are read from it; give the model with --model-path", ExitCodes.ModelOrData);
        string sha = CampaignFiles.Sha256(path);
        if (sha != s.ModelSha256)
            throw new UserError($"model '{path}' has SHA-256 {sha[..12]}…, the campaign's model {s.ModelSha256[..Math.Min(12, s.ModelSha256.Length)]}…",
                "the model changed since the campaign ran; give the campaign's own model with --model-path", ExitCodes.ModelOrData);
        var format = NumberFormat.Parse(s.Format);
        var model = OnnxReader.Load(path);
        var catalog = SiteCatalog.Discover(model, format);
        var space = s.Target switch
        {
            "weights" => FaultSpaces.Of(catalog, FaultTarget.Weight, Neutron.Faults.Models.FaultModelSpec.Parse(s.FaultModel), s.Sites),
            "list" => new FaultSpace(catalog.Weights),
            _ => throw new UserError($"the campaign's target is {s.Target}: no weight faults to learn from", "run a campaign with --target weights", ExitCodes.ModelOrData),
        };
        return (space, new StoredWeights(model, space.Sites, format));
    }

    /// <summary>The truth campaign's weight flips, checked to be of the same model and format as the training one.</summary>
    static TruthCheck Truth(string location, CampaignSettings s, FaultSpace space, CriticalityStudy study, double tolerance)
    {
        using var store = CampaignStore.Open(StoreOption.Location(location), create: false);
        long id = store.SingleCampaign(null);
        var t = store.Settings(id);
        if (t.ModelSha256 != s.ModelSha256 || t.Format != s.Format)
            throw new UserError($"truth campaign '{location}' ran {t.ModelPath} in {t.Format}, not this campaign's model in {s.Format}",
                "give a campaign of the same model (same SHA-256) and --format as the one predicted from", ExitCodes.ModelOrData);
        if (t.DataSpec != s.DataSpec || t.Images != s.Images)
            Console.Error.WriteLine($"predict: note: the truth campaign measured its drops on {t.Images:N0} images of '{t.DataSpec}', this one on {s.Images:N0} of '{s.DataSpec}'");
        var check = new TruthCheck(space, store.Outcomes(id).Select(o => ((Fault?)Fault.Parse(o.Fault), o.Drop)), study.Data.SpaceIndices, tolerance);
        if (check.TruthBits == 0)
            throw new UserError($"truth campaign '{location}' holds no single-bit flip of this campaign's weight space",
                "run it with --target weights --model flip (e.g. --plan exhaustive) on the same model and format", ExitCodes.ModelOrData);
        Console.Error.WriteLine($"predict: checking against {check.TruthBits:N0} bits of '{location}'" + (check.Outside > 0 ? $" ({check.Outside:N0} of its outcomes are not weight flips of this space)" : ""));
        return check;
    }

    /// <summary>Each weight site's mean |∂L/∂w| on the campaign's images (margin loss, weights as stored).</summary>
    static (float[]?[] Mean, int Images)? Gradients(string path, Neutron.Engine.Data.LabeledData data, FaultSpace space, StoredWeights weights)
    {
        try { return (WeightGradients.Measure(OnnxReader.Load(path), weights, space, data.Images, data.Count), data.Count); }
        catch (Neutron.Engine.ModelException e) when (e.Code == Neutron.Engine.ModelErrorCode.UnsupportedOperator)
        {
            throw new UserError($"model '{path}': no gradients for the gradient features ({e.Message})", "use --features structural", ExitCodes.ModelOrData);
        }
    }

    static double? Num(double v) => double.IsNaN(v) ? null : v;
    /// <summary>TN, FP, FN, TP as percentages of all injected bits (NaN when nothing was cross-validated).</summary>
    static double[] Shares(PredictionScore r) =>
        [.. new[] { r.Confusion.TrueNegative, r.Confusion.FalsePositive, r.Confusion.FalseNegative, r.Confusion.TruePositive }
            .Select(c => r.Folds == 0 ? double.NaN : 100.0 * r.Confusion.Share(c))];
    static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
    static string Cell(double v, string format) => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Reports on the caller's thread (System.Progress posts to the thread pool).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
