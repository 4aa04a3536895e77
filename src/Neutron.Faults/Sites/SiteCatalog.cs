// Every fault site of a model in a number format: weights (float initializers — Constant nodes arrive hoisted by
// the reader — feeding Conv, ConvTranspose, Gemm, MatMul or BatchNormalization, biases included) and activations
// (float outputs of the nodes that run per input; folded shape arithmetic and batch-independent values excluded).
// Validate checks a fault against the sites before any fault runs.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;

namespace Neutron.Faults.Sites;

public sealed class SiteCatalog
{
    public static readonly IReadOnlySet<string> WeightOps = new HashSet<string>(StringComparer.Ordinal)
        { "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization" };

    private readonly Dictionary<string, FaultSite> weights = new(StringComparer.Ordinal), activations = new(StringComparer.Ordinal);

    private SiteCatalog(List<FaultSite> weightSites, List<FaultSite> activationSites)
    {
        Weights = weightSites;
        Activations = activationSites;
        foreach (var s in weightSites) weights[s.Tensor] = s;
        foreach (var s in activationSites) activations[s.Tensor] = s;
    }

    /// <summary>Weight sites in graph order of their first consumer.</summary>
    public IReadOnlyList<FaultSite> Weights { get; }
    /// <summary>Activation sites in run order.</summary>
    public IReadOnlyList<FaultSite> Activations { get; }

    public IReadOnlyList<FaultSite> Of(FaultTarget target) => target == FaultTarget.Weight ? Weights : Activations;

    public IEnumerable<FaultSite> Select(FaultTarget target, SiteFilter filter) => Of(target).Where(filter.Matches);

    public FaultSite? Find(FaultTarget target, string tensor) =>
        (target == FaultTarget.Weight ? weights : activations).TryGetValue(tensor, out var s) ? s : null;

    public static SiteCatalog Discover(Model model, NumberFormat format) => Discover(new InferenceSession(model), format);

    public static SiteCatalog Discover(InferenceSession session, NumberFormat format) => Discover(session, format, format);

    /// <summary>The sites with weights stored in one format and activations computed in another (the datapath).</summary>
    public static SiteCatalog Discover(InferenceSession session, NumberFormat format, NumberFormat datapath)
    {
        var model = session.Model;
        var weightSites = new List<FaultSite>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Nodes)
        {
            if (!WeightOps.Contains(node.OpType)) continue;
            foreach (var input in node.Inputs)
            {
                if (input.Length == 0 || !model.Initializers.TryGetValue(input, out var t) || !t.Type.IsFloating() || !seen.Add(input)) continue;
                weightSites.Add(new FaultSite(FaultTarget.Weight, input, node.Name, node.OpType, (int[])t.Shape.Clone(), format.Width));
            }
        }

        // A value is per image when its first dimension follows the batch: compare plans for batch 1 and 2.
        var one = session.DefaultPlan;
        var two = session.GetPlan(model.RequiredInputs.ToDictionary(i => i.Name, i => (i.Type, i.Shape!.Select((d, k) => k == 0 ? 2 : d < 0 ? 1 : d).ToArray())));
        var activationSites = new List<FaultSite>();
        foreach (var node in one.Nodes)
        {
            foreach (int id in node.OutputIds)
            {
                string name = one.Names[id];
                if (name.StartsWith('\u0000') || !one.Types[id].Type.IsFloating() || !two.TryGetId(name, out int id2)) continue;
                int[] s1 = one.Types[id].Shape, s2 = two.Types[id2].Shape;
                if (s1.Length == 0 || s1[0] != 1 || s2.Length != s1.Length || s2[0] != 2 || !s1.AsSpan(1).SequenceEqual(s2.AsSpan(1))) continue;
                activationSites.Add(new FaultSite(FaultTarget.Activation, name, node.Name, node.OpType, s1[1..], datapath.Width));
            }
        }
        return new SiteCatalog(weightSites, activationSites);
    }

    /// <summary>Throws a FaultException naming the problem when the fault does not fit a site of this catalog.</summary>
    public FaultSite Validate(Fault fault)
    {
        var site = Find(fault.Target, fault.Tensor);
        if (site is null)
        {
            var known = Of(fault.Target);
            string examples = string.Join(", ", known.Take(3).Select(s => $"'{s.Tensor}'"));
            throw new FaultException($"fault '{fault}': unknown {(fault.Target == FaultTarget.Weight ? "weight" : "activation")} tensor '{fault.Tensor}'; "
                + (known.Count == 0 ? "the model has none" : $"the model has {known.Count}, e.g. {examples} (`neutron inspect MODEL` lists them)"));
        }
        if (fault.Index < 0 || fault.Index >= site.Elements)
            throw new FaultException($"fault '{fault}': index {fault.Index} is out of range for '{site.Tensor}', which has {site.Elements} elements{(site.Target == FaultTarget.Activation ? " per image" : "")} (0..{site.Elements - 1})");
        int high = fault.Model.HighestBit(fault.Bit);
        if (high >= site.Bits)
            throw new FaultException($"fault '{fault}': bit {high} is beyond the {site.Bits}-bit word of the number format (bits 0..{site.Bits - 1})");
        return site;
    }
}
