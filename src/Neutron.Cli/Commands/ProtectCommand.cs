// neutron protect --db FILE --scheme ecc-all|ecc-critical|ecc-bits:HI-LO|tmr:LAYERS|dmr:LAYERS|clip: the memory and compute
// cost of a protection of the campaign's weights as shares of the unprotected model (Neutron.Protection.Protection).
// ecc-critical codes the Critical Parameters, from --predictions (a `neutron predict --out` CSV) or else from the
// measured flips (drop > τ). --out writes the scheme as a protection file that `neutron campaign --protect` applies,
// or for clip the protected ONNX model (a Clip after each activation) that a campaign runs as any model.
// It reads the campaign's model for the weight space (same SHA-256 as the campaign's).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neutron.Cli.Options;
using Neutron.Protection.Protection;
using Neutron.Faults;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class ProtectCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var scheme = new Option<string>("--scheme") { Description = "ecc-all, ecc-critical, ecc-bits:HI-LO (e.g. ecc-bits:30-23), tmr:LAYERS or dmr:LAYERS (node names or globs, comma-separated), or clip (range restriction; --out FILE.onnx)", Required = true };
        var predictions = new Option<FileInfo?>("--predictions") { Description = "critical bits predicted by `neutron predict --out` (ecc-critical)" };
        var tolerance = new Option<double>("--tolerance") { Description = "without --predictions: critical = a measured flip with drop > τ pp", DefaultValueFactory = _ => 1.0 };
        var code = new Option<string>("--code") { Description = "sec (Hamming) or sec-ded (extended Hamming)", DefaultValueFactory = _ => "sec" };
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the campaign's model, when it moved (same SHA-256)" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var output = new Option<FileInfo?>("--out") { Description = "write the protection file (JSON) for `neutron campaign --protect`; for clip, the protected model (.onnx)" };
        var data = CampaignImages.Data();
        data.Description = "clip: the images to profile the bounds on, FORMAT:PATH (default: the data the campaign recorded)";
        var images = CampaignImages.Images();
        images.Description = "clip: profile on the first N images (default: as many as the campaign ran)";
        var command = new Command("protect", "Memory and compute overhead of ECC or redundancy on the weights; the protection file for campaigns")
            { db, campaign, scheme, predictions, tolerance, code, modelPath, data, images, output, json };
        command.SetAction(parse =>
        {
            var ecc = parse.GetValue(code) switch
            {
                "sec" => EccCode.Sec, "sec-ded" or "secded" => EccCode.SecDed,
                var c => throw new UserError($"--code '{c}' is unknown", "use sec or sec-ded"),
            };
            string text = parse.GetValue(scheme)!.Trim().ToLowerInvariant();
            double tau = parse.GetValue(tolerance);
            if (!(tau >= 0)) throw new UserError($"--tolerance {tau.ToString(CultureInfo.InvariantCulture)} must be ≥ 0", "e.g. --tolerance 1");
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            string path = parse.GetValue(modelPath)?.FullName ?? s.ModelPath;
            // clip protects activations, whatever the campaign's target: its memory cost is a share of all the weights.
            var (space, _) = PredictCommand.WeightSpace(path, text == "clip" ? s with { Target = "list" } : s);
            long parameters = space.Sites.Sum(x => x.Elements);
            int width = space.Sites[0].Bits;
            string source = "";
            ProtectionCost cost;
            ProtectedTensor[] covered = [.. space.Sites.Select(x => new ProtectedTensor(x.Tensor, [[0, x.Elements - 1]]))];
            ProtectedBits? bitRange = null;
            string codeName = ecc == EccCode.Sec ? ProtectionPlan.Sec : ProtectionPlan.SecDed;
            (Neutron.Engine.Graph.Model Model, List<ActivationRange> Ranges)? clipped = null;
            string profiledOn = "";
            if (text == "ecc-all") cost = EccProtection.All(parameters, width, ecc);
            else if (text == "ecc-critical")
            {
                var (critical, from) = Critical(parse.GetValue(predictions), store, id, tau, space.Sites.Select(x => x.Tensor).ToHashSet(StringComparer.Ordinal));
                source = from;
                cost = EccProtection.Critical(parameters, width, critical.Count, ecc);
                covered = [.. critical.GroupBy(p => p.Tensor, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new ProtectedTensor(g.Key, ProtectionPlan.Ranges(g.Select(p => p.Element))))];
            }
            else if (text.StartsWith("ecc-bits:", StringComparison.Ordinal) && text[9..].Split('-') is [var a, var b]
                && int.TryParse(a, CultureInfo.InvariantCulture, out int x) && int.TryParse(b, CultureInfo.InvariantCulture, out int y) && Math.Min(x, y) >= 0)
            {
                if (Math.Max(x, y) >= width) throw new UserError($"--scheme {text}: bit {Math.Max(x, y)} is beyond the {width}-bit word of {s.Format}", $"bits are 0..{width - 1}");
                cost = EccProtection.Bits(parameters, width, Math.Max(x, y), Math.Min(x, y), ecc);
                bitRange = new ProtectedBits(Math.Max(x, y), Math.Min(x, y));
            }
            else if ((text.StartsWith("tmr:", StringComparison.Ordinal) || text.StartsWith("dmr:", StringComparison.Ordinal)) && text.Length > 4)
            {
                // Layer names keep their case: read them from the option as given.
                string given = parse.GetValue(scheme)!.Trim()[4..];
                var layers = given.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var selected = Redundancy.Select(space.Sites, layers);
                if (selected.Count == 0)
                    throw new UserError($"--scheme {text}: no weight of the campaign's space belongs to {given}",
                        $"name nodes or tensor globs, e.g. {space.Sites[0].Layer} or '{space.Sites[0].Tensor.Split('.')[0]}*'; `neutron inspect MODEL` lists them");
                var session = new Neutron.Engine.Execution.InferenceSession(Neutron.Engine.Onnx.OnnxReader.Load(path));
                var catalog = Neutron.Faults.Sites.SiteCatalog.Discover(session, Neutron.Faults.Formats.NumberFormat.Parse(s.Format));
                bool tmr = text[0] == 't';
                cost = Redundancy.Cost(tmr ? $"tmr:{given}" : $"dmr:{given}", tmr ? 3 : 2, space.Sites, selected, Redundancy.MacsPerNode(session, catalog));
                covered = [.. selected.Select(x => new ProtectedTensor(x.Tensor, [[0, x.Elements - 1]]))];
                codeName = tmr ? ProtectionPlan.Tmr : ProtectionPlan.Dmr;
            }
            else if (text == "clip")
            {
                if (parse.GetValue(output) is not { } onnx || !onnx.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                    throw new UserError("--scheme clip writes a protected model: give --out FILE.onnx", "e.g. --scheme clip --out model-clip.onnx, then `neutron campaign model-clip.onnx ...`");
                Neutron.Engine.Data.LabeledData profiled;
                (cost, clipped, profiled) = Clip(path, s, space.Sites, parse.GetValue(data), parse.GetValue(images));
                profiledOn = $"{profiled.Count:N0} images of {parse.GetValue(data) ?? s.DataSpec}";
                codeName = "clip";
            }
            else throw new UserError($"--scheme '{text}' is unknown", "use ecc-all, ecc-critical, ecc-bits:HI-LO (e.g. ecc-bits:30-23, FP32's exponent), tmr:LAYERS, dmr:LAYERS or clip");

            if (parse.GetValue(output) is { } model && clipped is { } clip)
            {
                try { Neutron.Engine.Onnx.OnnxWriter.Save(clip.Model, model.FullName); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UserError($"cannot write '{model.FullName}': {e.Message}", "check the folder exists and is writable", ExitCodes.Storage);
                }
            }
            else if (parse.GetValue(output) is { } file)
            {
                var plan = new ProtectionPlan
                {
                    Scheme = cost.Scheme, Code = codeName, CodeDescription = cost.Code, ModelSha256 = s.ModelSha256, Format = s.Format, WordBits = width,
                    Bits = bitRange, Protected = covered, MemoryOverheadPct = cost.MemoryOverheadPct, EccPct = cost.EccPct, SignaturePct = cost.SignaturePct,
                    ComputeOverheadPct = cost.ComputeOverheadPct, GainVsEccAllPct = cost.GainVsEccAllPct, EccAllPct = cost.EccAllPct,
                    Parameters = cost.Parameters, ProtectedParameters = cost.ProtectedParameters, CheckBitsPerWord = cost.CheckBitsPerWord,
                    CriticalFrom = source.Length == 0 ? null : source,
                };
                try { File.WriteAllText(file.FullName, plan.ToJson() + "\n"); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UserError($"cannot write '{file.FullName}': {e.Message}", "check the folder exists and is writable", ExitCodes.Storage);
                }
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    scheme = cost.Scheme, code = cost.Code, memory_overhead_pct = cost.MemoryOverheadPct, ecc_pct = cost.EccPct, signature_pct = cost.SignaturePct,
                    compute_overhead_pct = cost.ComputeOverheadPct, gain_vs_ecc_all_pct = cost.GainVsEccAllPct, ecc_all_pct = cost.EccAllPct,
                    parameters = cost.Parameters, word_bits = cost.WordBits, protected_parameters = cost.ProtectedParameters,
                    check_bits_per_word = cost.CheckBitsPerWord, critical_from = source.Length == 0 ? null : source,
                    clipped = clipped?.Ranges.Select(r => new { node = r.Node, op = r.OpType, low = r.Low, high = r.High }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"campaign {id}: {s.ModelPath}, {s.Format}: {parameters:N0} parameters of {width} bits in {space.Sites.Count} tensors"));
            string per = codeName is ProtectionPlan.Tmr or ProtectionPlan.Dmr ? "replicated" : $"{cost.CheckBitsPerWord} check bits per coded word";
            if (clipped is { } cl)
            {
                Console.WriteLine(string.Create(inv, $"{cost.Scheme}: {cost.Code}, bounds profiled on {profiledOn}:"));
                foreach (var r in cl.Ranges) Console.WriteLine(string.Create(inv, $"  {r.Node} ({r.OpType}): [{r.Low:G6}, {r.High:G6}]"));
                Console.WriteLine($"protected model: {parse.GetValue(output)!.FullName} (`neutron campaign {parse.GetValue(output)!.Name} ...` verifies it by injection)");
            }
            else Console.WriteLine(string.Create(inv, $"{cost.Scheme}: {cost.Code}, {per}, on {cost.ProtectedParameters:N0} parameters ({100.0 * cost.ProtectedParameters / parameters:F2} %)"));
            if (source.Length > 0) Console.WriteLine($"critical parameters: {source}");
            if (clipped is null && parse.GetValue(output) is { } written) Console.WriteLine($"protection file: {written.FullName} (`neutron campaign ... --protect {written.Name}` verifies it by injection)");
            Console.WriteLine(string.Create(inv, $"memory overhead {cost.MemoryOverheadPct:F3} % ({(codeName switch { ProtectionPlan.Tmr or ProtectionPlan.Dmr => "replicas", "clip" => "bounds", _ => "check bits" })} {cost.EccPct:F3} % + signature {cost.SignaturePct:F3} %); "
                + $"compute overhead {cost.ComputeOverheadPct:F2} %; gain vs ecc-all ({cost.EccAllPct:F3} %) {cost.GainVsEccAllPct:F1} %"));
            return 0;
        });
        return command;
    }

    /// <summary>Range restriction: bounds profiled on the campaign's images, the protected model and its cost.</summary>
    static (ProtectionCost, (Neutron.Engine.Graph.Model, List<ActivationRange>), Neutron.Engine.Data.LabeledData) Clip(string path, CampaignSettings s, IReadOnlyList<Neutron.Faults.Sites.FaultSite> sites,
        string? dataSpec, int? images)
    {
        var model = Neutron.Engine.Onnx.OnnxReader.Load(path);
        var data = CampaignImages.Load(s, dataSpec, images, "clip profiles its bounds on");
        var ranges = RangeRestriction.Profile(model, data.Images);
        if (ranges.Count == 0)
            throw new UserError($"model '{path}' has no activation ({string.Join(", ", RangeRestriction.ActivationOps)}) before its outputs", "clip needs activations to restrict; try ecc-all or tmr:LAYERS", ExitCodes.ModelOrData);
        var session = new Neutron.Engine.Execution.InferenceSession(model);
        var catalog = Neutron.Faults.Sites.SiteCatalog.Discover(session, Neutron.Faults.Formats.NumberFormat.Parse(s.Format));
        var cost = RangeRestriction.Cost(ranges, sites.Sum(x => x.Elements), sites[0].Bits, Redundancy.MacsPerNode(session, catalog).Values.Sum());
        return (cost, (RangeRestriction.Apply(model, ranges), ranges), data);
    }

    /// <summary>The Critical Parameters and where they come from.</summary>
    static (HashSet<(string Tensor, long Element)> Set, string Source) Critical(FileInfo? predictions, CampaignStore store, long id, double tau, HashSet<string> tensors)
    {
        HashSet<(string Tensor, long Element)> set;
        string source;
        if (predictions is not null)
        {
            if (!predictions.Exists) throw new UserError($"predictions '{predictions.FullName}' not found", "make them with `neutron predict --db FILE --out FILE.csv`", ExitCodes.ModelOrData);
            using var reader = predictions.OpenText();
            set = CriticalParameters.FromPredictions(reader, out long rows);
            source = $"a bit predicted critical in {predictions.FullName} ({rows:N0} bits)";
        }
        else
        {
            var outcomes = store.Outcomes(id).Select(o => ((Fault?)Fault.Parse(o.Fault), o.Drop)).ToList();
            set = CriticalParameters.FromOutcomes(outcomes, tau);
            source = string.Create(CultureInfo.InvariantCulture, $"a measured flip with drop > {tau} pp, among {outcomes.Count:N0} injected bits (a lower bound unless every bit was injected)");
        }
        if (set.FirstOrDefault(p => !tensors.Contains(p.Tensor)) is { Tensor: not null } stray)
            throw new UserError($"critical parameter {stray.Tensor}@{stray.Element} is not in the campaign's weight space", "use predictions made from this campaign", ExitCodes.ModelOrData);
        return (set, source);
    }
}
