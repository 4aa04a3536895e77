// What a campaign records about its model and data when it starts, so that no table or report reloads the model or
// guesses: each fault site's layer (the node that consumes a weight or produces an activation), op type and shape;
// each stratum's size in the fault space (the weights of a stratified plan's estimates); the class names. Stored in
// the `sites`, `strata` and `class_names` tables by CampaignStore; absent from databases made before they existed.
namespace Neutron.Results.Store;

/// <summary>A fault site's metadata: target ("weight" or "act"), tensor, its layer (node name), op type and shape.</summary>
public sealed record SiteInfo(string Target, string Tensor, string Layer, string OpType, string Shape);

public sealed record CampaignDescription
{
    public IReadOnlyList<SiteInfo> Sites { get; init; } = [];
    /// <summary>Stratum name → size in the fault space; empty for an unstratified plan.</summary>
    public IReadOnlyDictionary<string, long> StratumSizes { get; init; } = new Dictionary<string, long>();
    /// <summary>Class index → name; empty when the data named none.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];
}
