// One point of the protection design space over whole layers, as `neutron ber --design` names it: CODE:LAYERS with
// CODE tmr (three copies, outvoted), dmr (two copies, a mismatch detected), sec or sec-ded (Hamming codes on every
// word of the layers) and LAYERS node names or globs over node or tensor names. It yields the ProtectionPlan that
// decides per word and its cost (Redundancy for copies; check bits for codes, no signature since whole tensors are
// coded). Not here: protection files written by `neutron protect` (ProtectionPlan.Parse reads those).
using Neutron.Faults.Sites;

namespace Neutron.Protection.Protection;

public sealed record LayerDesign(string Name, ProtectionPlan Plan, ProtectionCost Cost)
{
    public static readonly string[] Codes = [ProtectionPlan.Tmr, ProtectionPlan.Dmr, ProtectionPlan.Sec, ProtectionPlan.SecDed];

    /// <summary>The design <paramref name="code"/> over the layers matching <paramref name="layers"/>; an ArgumentException
    /// names the code or the layers when they are unknown.</summary>
    public static LayerDesign Of(string code, IReadOnlyList<string> layers, IReadOnlyList<FaultSite> sites,
        IReadOnlyDictionary<string, long> macsPerNode, string modelSha256, string format)
    {
        if (!Codes.Contains(code)) throw new ArgumentException($"design code '{code}' is not tmr, dmr, sec or sec-ded");
        var selected = Redundancy.Select(sites, layers);
        if (selected.Count == 0) throw new ArgumentException($"no weight belongs to {string.Join(",", layers)}");
        string name = $"{code}:{string.Join(",", layers)}";
        long parameters = sites.Sum(s => s.Elements), covered = selected.Sum(s => s.Elements);
        int width = sites[0].Bits;
        ProtectionCost cost;
        if (code is ProtectionPlan.Tmr or ProtectionPlan.Dmr) cost = Redundancy.Cost(name, code == ProtectionPlan.Tmr ? 3 : 2, sites, selected, macsPerNode);
        else
        {
            var ecc = code == ProtectionPlan.Sec ? EccCode.Sec : EccCode.SecDed;
            int r = HammingCode.CheckBits(width, ecc);
            var all = EccProtection.All(parameters, width, ecc);
            cost = new ProtectionCost(name, all.Code, parameters, width, covered, r, 100.0 * covered * r / ((double)parameters * width), 0, 0, all.EccPct);
        }
        var plan = new ProtectionPlan
        {
            Scheme = name, Code = code, CodeDescription = cost.Code, ModelSha256 = modelSha256, Format = format, WordBits = width,
            Protected = [.. selected.Select(s => new ProtectedTensor(s.Tensor, [[0, s.Elements - 1]]))],
            MemoryOverheadPct = cost.MemoryOverheadPct, EccPct = cost.EccPct, ComputeOverheadPct = cost.ComputeOverheadPct,
            EccAllPct = cost.EccAllPct, GainVsEccAllPct = cost.GainVsEccAllPct, Parameters = parameters, ProtectedParameters = covered,
            CheckBitsPerWord = cost.CheckBitsPerWord,
        };
        return new LayerDesign(name, plan, cost);
    }

    /// <summary>Parses CODE:LAYERS (layers comma-separated) into its code and layers; null when it is not of that form.</summary>
    public static (string Code, string[] Layers)? Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) return null;
        string code = text[..colon].Trim().ToLowerInvariant();
        var layers = text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return Codes.Contains(code) && layers.Length > 0 ? (code, layers) : null;
    }
}
