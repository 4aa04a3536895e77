// Cost of modular redundancy on chosen layers: TMR keeps three copies of a layer's weights and runs it three times
// (a voter picks the majority: a fault in one replica is outvoted), DMR two (a comparator detects a mismatch). Memory
// overhead: 2× (TMR) or 1× (DMR) the layers' weights, as a share of all weights; compute overhead: the same multiple
// of the layers' multiply-accumulates (MACs per image at the plan's batch-1 shapes), as a share of the model's. The
// voter's and comparator's own cost is not counted. Not here: deciding per fault (ProtectionPlan.Decide).
using Neutron.Engine.Execution;
using Neutron.Faults.Sites;

namespace Neutron.Protection.Protection;

public static class Redundancy
{
    /// <summary>Multiply-accumulates per image of each node with a rank ≥ 2 weight (Conv, ConvTranspose, Gemm,
    /// MatMul): weight elements × output elements per image ÷ output channels (axis 1).</summary>
    public static Dictionary<string, long> MacsPerNode(InferenceSession session, SiteCatalog catalog)
    {
        var macs = new Dictionary<string, long>(StringComparer.Ordinal);
        var plan = session.DefaultPlan;
        var weights = catalog.Weights.Where(w => w.Shape.Length >= 2).ToDictionary(w => w.Tensor, StringComparer.Ordinal);
        foreach (var node in session.Model.Nodes)
        {
            var w = node.Inputs.Select(i => weights.GetValueOrDefault(i)).FirstOrDefault(x => x is not null);
            if (w is null || node.Outputs.Length == 0 || !plan.TryGetId(node.Outputs[0], out int id)) continue;
            int[] shape = plan.Types[id].Shape;
            if (shape.Length < 2 || shape[0] < 1 || shape[1] < 1) continue;
            long perImage = shape.Aggregate(1L, (a, d) => a * d) / shape[0];
            macs[node.Name] = macs.GetValueOrDefault(node.Name) + w.Elements * perImage / shape[1];
        }
        return macs;
    }

    /// <summary>The weight sites of the layers named (node names, or globs over node or tensor names), with the node
    /// names they belong to; an empty list when nothing matches.</summary>
    public static List<FaultSite> Select(IReadOnlyList<FaultSite> sites, IEnumerable<string> layers)
    {
        var patterns = layers.Select(SiteFilter.Glob).ToList();
        return sites.Where(s => patterns.Any(p => p.IsMatch(s.Layer) || p.IsMatch(s.Tensor))).ToList();
    }

    /// <summary>The cost of TMR (copies = 3) or DMR (copies = 2) on the selected sites.</summary>
    public static ProtectionCost Cost(string scheme, int copies, IReadOnlyList<FaultSite> all, IReadOnlyList<FaultSite> selected, IReadOnlyDictionary<string, long> macs)
    {
        long parameters = all.Sum(s => s.Elements), covered = selected.Sum(s => s.Elements);
        long totalMacs = macs.Values.Sum();
        var layers = selected.Select(s => s.Layer).ToHashSet(StringComparer.Ordinal);
        long layerMacs = macs.Where(m => layers.Contains(m.Key)).Sum(m => m.Value);
        int extra = copies - 1;
        double memory = 100.0 * extra * covered / parameters;
        double compute = totalMacs == 0 ? 0 : 100.0 * extra * layerMacs / totalMacs;
        string code = copies == 3 ? "triple modular redundancy (majority vote)" : "dual modular redundancy (comparison)";
        return new ProtectionCost(scheme, code, parameters, all[0].Bits, covered, 0, memory, 0, compute, EccProtection.All(parameters, all[0].Bits).EccPct);
    }
}
