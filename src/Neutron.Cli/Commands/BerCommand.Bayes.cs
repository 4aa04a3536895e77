// neutron ber --precision E: per rate, the failure probability with its posterior, drawn until the credible
// interval is narrow enough (Neutron.Analysis.Ber.BayesianBer), for the unprotected model and each --design
// (Neutron.Protection's LayerDesign or a protection file), with a FIT figure when --fit-per-mbit is given.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neutron.Analysis.Ber;
using Neutron.Engine.Graph;
using Neutron.Faults.Formats;
using Neutron.Protection.Protection;

namespace Neutron.Cli.Commands;

public static partial class BerCommand
{
    sealed record BayesSettings(BayesianBerOptions Options, string[] Designs, double Hours);

    sealed class BayesOptions
    {
        readonly Option<double?> precision = new("--precision") { Description = "estimate P(fail) per rate with a Bayesian posterior instead of the accuracy band: draw --samples models per round until the credible interval's half-width is at most this share of the posterior mean (e.g. 0.2)" };
        readonly Option<int> maxModels = new("--max-models") { Description = "with --precision: at most this many models per rate and design", DefaultValueFactory = _ => 2000 };
        readonly Option<string> sampler = new("--sampler") { Description = "with --precision: plain (models as drawn), conditioned (at least one flip, reweighted by P(K ≥ 1)) or tilted (also the lead flip drawn towards damaging bit positions, reweighted)", DefaultValueFactory = _ => "tilted" };
        readonly Option<double> alpha = new("--alpha") { Description = "with --sampler tilted: share of uniformly drawn lead flips (every weight ≤ 1/alpha)", DefaultValueFactory = _ => 0.1 };
        readonly Option<double> level = new("--level") { Description = "with --precision: credible level of the intervals", DefaultValueFactory = _ => 0.95 };
        readonly Option<string[]> design = new("--design") { Description = "with --precision, repeatable: the same curve with layers protected, CODE:LAYERS with CODE tmr (outvoted), dmr (detected), sec or sec-ded (Hamming) and LAYERS node names or globs, comma-separated; or a protection file from `neutron protect --out`" };
        readonly Option<double> hours = new("--exposure-hours") { Description = "with --precision and --fit-per-mbit: hours between reloads of the weights; FIT = 1e9 × P(fail | p) / hours at p = FIT/Mbit / 2^20 × hours / 1e9", DefaultValueFactory = _ => 8760 };

        public static BayesOptions AddTo(Command command)
        {
            var o = new BayesOptions();
            foreach (var option in new Option[] { o.precision, o.maxModels, o.sampler, o.alpha, o.level, o.design, o.hours }) command.Options.Add(option);
            return o;
        }

        /// <summary>The Bayesian settings, or null for the plain sweep (a Bayesian-only option without --precision is an error).</summary>
        public BayesSettings? Read(ParseResult parse)
        {
            var ci = CultureInfo.InvariantCulture;
            if (parse.GetValue(precision) is not { } e)
            {
                foreach (var o in new Option[] { maxModels, sampler, alpha, level, design, hours })
                    if (parse.GetResult(o) is { Implicit: false })
                        throw new UserError($"{o.Name} belongs to the Bayesian estimate", "add --precision, e.g. --precision 0.2");
                return null;
            }
            if (!(e > 0 && double.IsFinite(e))) throw new UserError($"--precision {e.ToString(ci)} must be a number > 0", "e.g. --precision 0.2 (half-width 20 % of the mean)");
            int max = parse.GetValue(maxModels);
            if (max < 1) throw new UserError($"--max-models {max} must be ≥ 1", "e.g. --max-models 2000");
            var kind = parse.GetValue(sampler)!.Trim().ToLowerInvariant() switch
            {
                "plain" => BerSampler.Plain,
                "conditioned" => BerSampler.Conditioned,
                "tilted" => BerSampler.Tilted,
                var other => throw new UserError($"--sampler '{other}' is unknown", "use plain, conditioned or tilted"),
            };
            double a = parse.GetValue(alpha);
            if (!(a > 0 && a <= 1)) throw new UserError($"--alpha {a.ToString(ci)} must lie in (0, 1]", "e.g. --alpha 0.1");
            double l = parse.GetValue(level);
            if (!(l > 0 && l < 1)) throw new UserError($"--level {l.ToString(ci)} must lie in (0, 1)", "e.g. --level 0.95");
            double h = parse.GetValue(hours);
            if (!(h > 0 && double.IsFinite(h))) throw new UserError($"--exposure-hours {h.ToString(ci)} must be a number > 0", "e.g. --exposure-hours 8760 (a year)");
            var options = new BayesianBerOptions { Precision = e, MaxModels = max, Sampler = kind, Alpha = a, Level = l };
            return new BayesSettings(options, parse.GetValue(design) ?? [], h);
        }
    }

    static void RunBayes(BitErrorRateMonteCarlo mc, Model onnx, string modelPath, NumberFormat format, double[] rates, double tau,
        BayesSettings settings, int batch, ulong seed, double? fitPerMbit, double target, bool json)
    {
        var designs = new List<(string Name, IStoredWordGuard? Guard)> { ("unprotected", null) };
        var costs = new Dictionary<string, ProtectionCost?>();
        string sha = Neutron.Campaigns.CampaignFiles.Sha256(modelPath);
        Dictionary<string, long>? macs = null;
        foreach (string text in settings.Designs)
        {
            LayerDesign? layered = null;
            ProtectionPlan plan;
            if (LayerDesign.Parse(text) is { } spec)
            {
                if (macs is null)
                {
                    var session = new Neutron.Engine.Execution.InferenceSession(onnx);
                    macs = Redundancy.MacsPerNode(session, Neutron.Faults.Sites.SiteCatalog.Discover(session, format));
                }
                try { layered = LayerDesign.Of(spec.Code, spec.Layers, mc.Sites, macs, sha, format.Name); }
                catch (ArgumentException e) { throw new UserError($"--design {text}: {e.Message}", $"name nodes or tensor globs, e.g. tmr:{mc.Sites[0].Layer}; `neutron inspect MODEL` lists them"); }
                plan = layered.Plan;
            }
            else if (File.Exists(text))
            {
                try { plan = ProtectionPlan.Parse(File.ReadAllText(text)); }
                catch (FormatException e) { throw new UserError($"--design {text}: {e.Message}", "write it with `neutron protect --out FILE`"); }
                if (plan.ModelSha256.Length > 0 && plan.ModelSha256 != sha)
                    throw new UserError($"--design {text} protects another model (SHA-256 {plan.ModelSha256[..12]}…)", "write the protection file from a campaign of this model");
                if (plan.Format.Length > 0 && plan.Format != format.Name)
                    throw new UserError($"--design {text} protects {plan.Format} words, not {format.Name}", $"add --format {plan.Format}");
            }
            else throw new UserError($"--design '{text}' is neither CODE:LAYERS nor a protection file", "e.g. --design tmr:conv1 or --design sec-ded:'fc*' or --design protection.json");
            string name = layered?.Name ?? plan.Scheme;
            designs.Add((name, new ProtectionGuard(plan)));
            costs[name] = layered?.Cost;
        }
        var options = settings.Options with { Batch = batch, Seed = seed };
        var fit = fitPerMbit is { } f ? new BerFitRequest(f, settings.Hours) : null;
        if (fit is not null && !(BerFit.RateOf(fit.FitPerMbit, fit.Hours) is > 0 and < 1))
            throw new UserError("--fit-per-mbit × --exposure-hours gives no per-bit flip probability in (0, 1)", "give a FIT/Mbit > 0 and a shorter exposure");
        var progress = json ? null : new Progress<string>(line => Console.Error.WriteLine(line));
        var curves = BayesianBerCurve.Run(mc, rates, tau, options, designs, fit, progress);
        PrintBayes(mc, curves, costs, options, tau, target, json);
    }

    static void PrintBayes(BitErrorRateMonteCarlo mc, List<BerDesignCurve> curves, Dictionary<string, ProtectionCost?> costs, BayesianBerOptions o,
        double tau, double target, bool json)
    {
        var ci = CultureInfo.InvariantCulture;
        if (json)
        {
            var doc = new
            {
                goldenAccuracy = mc.GoldenAccuracy, totalBits = mc.TotalBits, tolerance = tau, level = o.Level, precision = o.Precision,
                sampler = curves[0].Points.Count > 0 ? curves[0].Points[0].Sampler : null, maxModels = o.MaxModels,
                designs = curves.Select(c => new
                {
                    name = c.Name,
                    memoryOverheadPct = costs.GetValueOrDefault(c.Name)?.MemoryOverheadPct,
                    computeOverheadPct = costs.GetValueOrDefault(c.Name)?.ComputeOverheadPct,
                    points = c.Points.Select(PointJson),
                    fit = c.Fit is not { } f ? null : new
                    {
                        fitPerMbit = f.FitPerMbit, bits = f.Bits, hours = f.Hours, rate = f.Rate, upsetFit = f.UpsetFit,
                        fit = f.Fit, lower = f.Lower, upper = f.Upper, target, verdict = f.Verdict(target), point = PointJson(f.Point),
                    },
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        Console.WriteLine(string.Create(ci, $"golden accuracy {mc.GoldenAccuracy:P2}; {mc.TotalBits:N0} stored bits; fail: drop > {tau} pp; {o.Level:P0} credible intervals; stop at ±{o.Precision:P0} or {o.MaxModels:N0} models"));
        foreach (var c in curves)
        {
            var cost = costs.GetValueOrDefault(c.Name);
            Console.WriteLine();
            Console.WriteLine(cost is null ? c.Name : string.Create(ci, $"{c.Name} (memory +{cost.MemoryOverheadPct:0.##} %, compute +{cost.ComputeOverheadPct:0.##} %)"));
            Console.WriteLine($"{"rate",10} {"sampler",11} {"models",7} {"ran",7} {"fail",5} {"P(fail)",10} {"credible",23} {"±",5} {"rse",6} {"detected",9} {"stop",9}");
            foreach (var p in c.Points) Console.WriteLine(Row(p));
            if (c.Fit is { } f)
            {
                Console.WriteLine(string.Create(ci, $"FIT: memory {f.Bits:N0} bits ({f.Bits / (double)(1 << 20):0.###} Mbit) × {f.FitPerMbit} FIT/Mbit = {f.UpsetFit:0.####} FIT of upsets; over {f.Hours} h each bit flips with p = {f.FitPerMbit} / 2^20 × {f.Hours} / 1e9 = {f.Rate:0.###E+0}"));
                Console.WriteLine(Row(f.Point));
                Console.WriteLine(string.Create(ci, $"FIT = 1e9 × P(fail | p) / {f.Hours} h = {f.Fit:0.####} [{f.Lower:0.####}, {f.Upper:0.####}]; target {target} FIT: {f.Verdict(target)}"));
            }
        }

        string Row(BayesianBerPoint p) => string.Create(ci,
            $"{p.Rate,10:0.##E+0} {p.Sampler,11} {p.Models,7} {p.Inferences,7} {p.Failures,5} {p.Mean,10:0.###E+0} {$"[{p.Credible.Lower:0.###E+0}, {p.Credible.Upper:0.###E+0}]",23} {100 * p.RelativeError,4:0}% {(double.IsFinite(p.RelativeStandardError) ? $"{100 * p.RelativeStandardError:0}%" : "-"),6} {p.DetectedShare,9:0.###E+0} {(p.Converged ? "precision" : "budget"),9}");
    }

    static object PointJson(BayesianBerPoint p) => new
    {
        rate = p.Rate, sampler = p.Sampler, models = p.Models, inferences = p.Inferences, failures = p.Failures, detected = p.Detected,
        scale = p.Scale, estimate = p.Estimate, standardError = p.StandardError, effectiveSize = p.EffectiveSize, mean = p.Mean,
        lower = p.Credible.Lower, upper = p.Credible.Upper, detectedShare = p.DetectedShare, relativeError = p.RelativeError, converged = p.Converged,
    };
}
