// neutron ber MODEL --data SPEC --rates 1e-7,1e-6,... --samples S [--fit-per-mbit F] [--db FILE] [--json]: accuracy of
// faulty models in which every stored weight bit flips independently with probability p (Neutron.Analysis.Ber).
// With --precision it estimates P(fail) per rate instead, Bayesian and adaptive (BerCommand.Bayes.cs).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neutron.Analysis.Ber;
using Neutron.Cli.Options;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static partial class BerCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX classifier" };
        var data = new Option<string>("--data") { Description = "evaluation data, e.g. idx:/usr/share/datasets/fashion-mnist/t10k", Required = true };
        var rates = new Option<string>("--rates") { Description = "bit-error rates per stored bit, comma-separated", DefaultValueFactory = _ => "1e-7,1e-6,1e-5,1e-4,1e-3" };
        var samples = new Option<int>("--samples") { Description = "faulty models sampled per rate (with --precision: per round)", DefaultValueFactory = _ => 50 };
        var images = new Option<int>("--images") { Description = "evaluate the first N images", DefaultValueFactory = _ => 1000 };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL };
        var format = new Option<string>("--format") { Description = "how weights are stored: fp32, fp16, bf16, int8, fxpW.F", DefaultValueFactory = _ => "fp32" };
        var tensors = new Option<string?>("--tensors") { Description = "glob on weight tensor names (default: every weight)" };
        var tolerance = new Option<double>("--tolerance") { Description = "a sampled model is critical when its accuracy drop exceeds this many pp (exactly τ is not)", DefaultValueFactory = _ => 1.0 };
        var fit = new Option<double?>("--fit-per-mbit") { Description = "raw upset rate of the memory in FIT per Mbit (2^20 bits); P(critical | one upset) comes from a whole-weight-space flip campaign in --db when there is one, else from the single-flip samples; with --precision, FIT = 1e9 × P(fail) / --exposure-hours at the flip probability that exposure gives" };
        var fitTarget = new Option<double>("--fit-target") { Description = "FIT the model's critical failures must stay below (ISO 26262 ASIL D: 10)", DefaultValueFactory = _ => FitEstimate.AsilDTarget };
        var db = new Option<FileInfo?>("--db") { Description = "store the sweep in this database (the report draws it)" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var command = new Command("ber", "Accuracy under a bit-error rate: every stored weight bit flips with probability p")
            { model, data, rates, samples, images, seed, format, tensors, tolerance, fit, fitTarget, db, json };
        var bayes = BayesOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var rateList = ParseRates(parse.GetValue(rates)!);
            int n = parse.GetValue(samples);
            if (n < 1) throw new UserError($"--samples {n} must be ≥ 1", "e.g. --samples 100");
            int imageCount = parse.GetValue(images);
            if (imageCount < 1) throw new UserError($"--images {imageCount} must be ≥ 1", "e.g. --images 1000");
            double tau = Tolerances.Check(parse.GetValue(tolerance), "--tolerance");
            double? fitPerMbit = parse.GetValue(fit);
            if (fitPerMbit is { } fv && !(fv >= 0 && double.IsFinite(fv)))
                throw new UserError($"--fit-per-mbit {fv.ToString(CultureInfo.InvariantCulture)} must be a finite number ≥ 0", "e.g. --fit-per-mbit 1000 (a typical SRAM figure at sea level)");
            double target = parse.GetValue(fitTarget);
            if (!(target > 0 && double.IsFinite(target))) throw new UserError($"--fit-target {target.ToString(CultureInfo.InvariantCulture)} must be a finite number > 0", "e.g. --fit-target 10 (ASIL D)");
            var bayesian = bayes.Read(parse);
            if (bayesian is not null && parse.GetValue(db) is not null)
                throw new UserError("--db stores the plain sweep; the Bayesian estimate (--precision) is printed, not stored", "drop --db, or drop --precision for the stored sweep");
            NumberFormat fmt;
            try { fmt = NumberFormat.Parse(parse.GetValue(format)!); }
            catch (FormatException e) { throw new UserError(e.Message, "use fp32, fp16, bf16, int8 or fxpW.F"); }
            string modelPath = parse.GetValue(model)!.FullName;
            var onnx = OnnxReader.Load(modelPath);
            string spec = parse.GetValue(data)!;
            LabeledData labeled;
            try { labeled = DataSpec.Load(spec, new DataOptions { Limit = imageCount }); }
            catch (ArgumentException e) { throw new UserError(e.Message, "see `neutron campaign --help` for the data notation"); }
            DataChecks.ForClassifier(labeled, onnx, Path.GetFileName(modelPath));
            var options = new BerOptions
            {
                Rates = rateList, Samples = n, Seed = parse.GetValue(seed), Format = fmt, Tolerance = tau,
                Filter = parse.GetValue(tensors) is { } glob ? new SiteFilter { Name = glob } : SiteFilter.All,
            };
            BitErrorRateMonteCarlo mc;
            try { mc = new BitErrorRateMonteCarlo(onnx, new EvaluationSet(labeled.Images, labeled.Labels), options); }
            catch (ArgumentException e) when (e is not ArgumentOutOfRangeException) { throw new UserError(e.Message, "check --tensors against `neutron inspect MODEL`"); }
            if (bayesian is not null)
            {
                RunBayes(mc, onnx, modelPath, fmt, rateList, tau, bayesian, n, options.Seed, fitPerMbit, target, parse.GetValue(json));
                return 0;
            }
            var result = mc.Run(Printing.ProgressLines.Create("samples", quiet: parse.GetValue(json)));
            FitEstimate? fitEstimate = null;
            if (parse.GetValue(db) is { } dbFile)
            {
                using var store = SqliteCampaignStore.Open(dbFile.FullName, create: true);
                BerTable.Write(store, result, modelPath, spec, fmt.Name, options.Seed);
                if (fitPerMbit is { } f && parse.GetValue(tensors) is null) fitEstimate = FromCampaign(store, Neutron.Campaigns.CampaignFiles.Sha256(modelPath), fmt.Name, f, tau);
            }
            if (fitPerMbit is { } perMbit) fitEstimate ??= FitEstimate.From(result, perMbit);
            Print(result, fitEstimate, target, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static double[] ParseRates(string text)
    {
        var rates = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r > 0 && r < 1))
                throw new UserError($"--rates: '{part}' is not a bit-error rate in (0, 1)", "write e.g. --rates 1e-7,1e-6,1e-5");
            rates.Add(r);
        }
        if (rates.Count == 0) throw new UserError("--rates is empty", "write e.g. --rates 1e-7,1e-6,1e-5");
        return [.. rates.Distinct().Order()];
    }

    /// <summary>P(critical | one upset) from a single-flip campaign over every weight bit of this model and format in the
    /// same database, weighted as summary weights it; null when the database holds none.</summary>
    static FitEstimate? FromCampaign(CampaignStore store, string sha, string format, double fitPerMbit, double tau)
    {
        foreach (var (id, s) in store.Campaigns())
        {
            if (s.ModelSha256 != sha || s.Format != format) continue;
            var d = Neutron.Campaigns.CampaignDescriptions.Load(store, id);
            if (!d.CoversWeightMemory || d.StoredWeightBits is not { } bits || d.Faults.Count == 0) continue;
            var r = Neutron.Analysis.Campaign.CampaignRates.Overall(d, tau);
            return FitEstimate.From(bits, fitPerMbit, r.CriticalRate, new Neutron.Analysis.Statistics.Interval(r.CriticalLower, r.CriticalUpper), r.Faults,
                string.Create(CultureInfo.InvariantCulture, $"campaign {id}: {r.CriticalFaults:N0} critical of {r.Faults:N0} single-bit weight faults ({r.Estimator} 95 %)"));
        }
        return null;
    }

    private static void Print(BerResult r, FitEstimate? fit, double target, bool json)
    {
        if (json)
        {
            var doc = new
            {
                goldenAccuracy = r.GoldenAccuracy, totalBits = r.TotalBits, bandLevel = r.BandLevel, tolerance = r.Tolerance,
                points = r.Points,
                fit = fit is null ? null : new
                {
                    fitPerMbit = fit.FitPerMbit, mbit = fit.Mbit, upsetFit = fit.UpsetFit, source = fit.Source, trials = fit.Trials,
                    criticalShare = double.IsNaN(fit.CriticalShare) ? (double?)null : fit.CriticalShare,
                    criticalShareLower = fit.CriticalShareInterval.Lower, criticalShareUpper = fit.CriticalShareInterval.Upper,
                    criticalFitUpper = fit.CriticalFitUpper,
                    criticalFit = double.IsNaN(fit.CriticalFit) ? (double?)null : fit.CriticalFit,
                    target, verdict = fit.Verdict(target),
                },
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"golden accuracy {r.GoldenAccuracy:P2}; {r.TotalBits:N0} stored bits; band: central {r.BandLevel:P0} of sampled models; critical: drop > {r.Tolerance} pp"));
        Console.WriteLine($"{"rate",10} {"samples",8} {"flips",10} {"accuracy",9} {"band",19} {"critical",9}");
        foreach (var p in r.Points)
            Console.WriteLine(string.Create(ci, $"{p.Rate,10:0.##E+0} {p.Samples,8} {p.MeanFlips,10:0.##} {p.MeanAccuracy,9:P2} {$"[{p.Lower:P2}, {p.Upper:P2}]",19} {p.CriticalFraction,9:P1}"));
        if (fit is not null)
        {
            Console.WriteLine(string.Create(ci, $"memory: {fit.Mbit:0.###} Mbit × {fit.FitPerMbit} FIT/Mbit = {fit.UpsetFit:0.####} FIT of upsets"));
            Console.WriteLine(fit.Trials == 0
                ? "critical FIT: no evidence: no sampled model had exactly one flip and --db holds no single-fault weight campaign; run `neutron campaign` into that --db, or add a rate near 1 / total bits"
                : string.Create(ci, $"critical FIT ≤ {fit.CriticalFitUpper:0.####} (95 % upper bound; estimate {fit.CriticalFit:0.####}; P(critical | one upset) = {fit.CriticalShare:P2} [{fit.CriticalShareInterval.Lower:P2}, {fit.CriticalShareInterval.Upper:P2}] from {fit.Source})"));
            if (fit.Trials > 0)
                Console.WriteLine(string.Create(ci, $"target {target} FIT: {fit.Verdict(target)}") + fit.Verdict(target) switch
                {
                    "meets" => " (even the upper bound is below it)",
                    "fails" => " (even the lower bound is above it)",
                    _ => " (the interval straddles it: inject more faults to decide)",
                });
        }
    }
}
