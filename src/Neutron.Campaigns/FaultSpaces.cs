// A campaign's fault space: the target's sites the filter selects, with its bit range, under a fault model. The
// one place the CLI's filters, a stored campaign's filter and a C# user's become a FaultSpace.
using Neutron.Faults;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Campaigns;

public static class FaultSpaces
{
    public static FaultSpace Of(SiteCatalog catalog, FaultTarget target, FaultModelSpec model, SiteFilter sites)
    {
        var selected = catalog.Select(target, sites).ToList();
        if (selected.Count == 0)
        {
            var names = catalog.Of(target).Take(4).Select(s => $"{s.Tensor} ({s.OpType})");
            throw new CampaignException($"no {TargetText(target)} sites match {sites}",
                $"sites here include {string.Join(", ", names)}; `neutron inspect MODEL` lists them");
        }
        var space = new FaultSpace(selected, model, sites.MinBit, sites.MaxBit);
        if (space.Size == 0) throw new CampaignException($"bits {sites.MinBit}-{sites.MaxBit} leave no fault position for {model}", "widen --bits");
        return space;
    }

    /// <summary>"weights" or "activations", as campaigns record the target.</summary>
    public static string TargetText(FaultTarget target) => target == FaultTarget.Weight ? "weights" : "activations";

    /// <summary>The target a campaign recorded ("weights", "activations"; "list" for a fault list: null).</summary>
    public static FaultTarget? ParseTarget(string text) => text switch
    {
        "weights" => FaultTarget.Weight,
        "activations" => FaultTarget.Activation,
        _ => null,
    };
}
