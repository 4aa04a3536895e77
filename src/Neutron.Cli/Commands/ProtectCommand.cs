// neutron protect --db FILE --scheme ecc-all|ecc-critical|ecc-bits:HI-LO: the memory cost of Hamming ECC on the
// campaign's weights as shares of the unprotected weights (Neutron.Analysis.Protection). ecc-critical codes the
// Critical Parameters, from --predictions (a `neutron predict --out` CSV) or else from the measured flips (drop > τ).
// It reads the campaign's model for the weight space's size (same SHA-256 as the campaign's).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neutron.Analysis.Protection;
using Neutron.Faults;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class ProtectCommand
{
    public static Command Create()
    {
        var db = new Option<FileInfo>("--db") { Description = "campaign database", Required = true };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var scheme = new Option<string>("--scheme") { Description = "ecc-all, ecc-critical or ecc-bits:HI-LO (e.g. ecc-bits:30-23)", Required = true };
        var predictions = new Option<FileInfo?>("--predictions") { Description = "critical bits predicted by `neutron predict --out` (ecc-critical)" };
        var tolerance = new Option<double>("--tolerance") { Description = "without --predictions: critical = a measured flip with drop > τ pp", DefaultValueFactory = _ => 1.0 };
        var code = new Option<string>("--code") { Description = "sec (Hamming) or sec-ded (extended Hamming)", DefaultValueFactory = _ => "sec" };
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the campaign's model, when it moved (same SHA-256)" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var command = new Command("protect", "Memory overhead of ECC on all, critical or some bits of the weights")
            { db, campaign, scheme, predictions, tolerance, code, modelPath, json };
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
            using var store = CampaignStore.Open(parse.GetValue(db)!.FullName, create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            var (space, _) = PredictCommand.WeightSpace(parse.GetValue(modelPath)?.FullName ?? s.ModelPath, s);
            long parameters = space.Sites.Sum(x => x.Elements);
            int width = space.Sites[0].Bits;
            string source = "";
            ProtectionCost cost;
            if (text == "ecc-all") cost = EccProtection.All(parameters, width, ecc);
            else if (text == "ecc-critical")
            {
                var (critical, from) = Critical(parse.GetValue(predictions), store, id, tau, space.Sites.Select(x => x.Tensor).ToHashSet(StringComparer.Ordinal));
                source = from;
                cost = EccProtection.Critical(parameters, width, critical, ecc);
            }
            else if (text.StartsWith("ecc-bits:", StringComparison.Ordinal) && text[9..].Split('-') is [var a, var b]
                && int.TryParse(a, CultureInfo.InvariantCulture, out int x) && int.TryParse(b, CultureInfo.InvariantCulture, out int y) && Math.Min(x, y) >= 0)
            {
                if (Math.Max(x, y) >= width) throw new UserError($"--scheme {text}: bit {Math.Max(x, y)} is beyond the {width}-bit word of {s.Format}", $"bits are 0..{width - 1}");
                cost = EccProtection.Bits(parameters, width, Math.Max(x, y), Math.Min(x, y), ecc);
            }
            else throw new UserError($"--scheme '{text}' is unknown", "use ecc-all, ecc-critical or ecc-bits:HI-LO, e.g. ecc-bits:30-23 (FP32's exponent)");

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    scheme = cost.Scheme, code = cost.Code, memory_overhead_pct = cost.MemoryOverheadPct, ecc_pct = cost.EccPct, signature_pct = cost.SignaturePct,
                    compute_overhead_pct = cost.ComputeOverheadPct, gain_vs_ecc_all_pct = cost.GainVsEccAllPct, ecc_all_pct = cost.EccAllPct,
                    parameters = cost.Parameters, word_bits = cost.WordBits, protected_parameters = cost.ProtectedParameters,
                    check_bits_per_word = cost.CheckBitsPerWord, critical_from = source.Length == 0 ? null : source,
                }, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"campaign {id}: {s.ModelPath}, {s.Format}: {parameters:N0} parameters of {width} bits in {space.Sites.Count} tensors"));
            Console.WriteLine(string.Create(inv, $"{cost.Scheme}: {cost.Code}, {cost.CheckBitsPerWord} check bits per coded word, on {cost.ProtectedParameters:N0} parameters ({100.0 * cost.ProtectedParameters / parameters:F2} %)"));
            if (source.Length > 0) Console.WriteLine($"critical parameters: {source}");
            Console.WriteLine(string.Create(inv, $"memory overhead {cost.MemoryOverheadPct:F3} % (check bits {cost.EccPct:F3} % + signature {cost.SignaturePct:F3} %); "
                + $"compute overhead {cost.ComputeOverheadPct:F0} %; gain vs ecc-all ({cost.EccAllPct:F3} %) {cost.GainVsEccAllPct:F1} %"));
            return 0;
        });
        return command;
    }

    /// <summary>The number of Critical Parameters and where they come from.</summary>
    static (long Count, string Source) Critical(FileInfo? predictions, CampaignStore store, long id, double tau, HashSet<string> tensors)
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
        return (set.Count, source);
    }
}
