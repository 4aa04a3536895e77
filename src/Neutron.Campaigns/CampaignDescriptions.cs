// What a campaign records when it starts, so no table or report reloads the model: every site's layer, op type and
// shape; the strata's sizes when the plan is stratified; one name per class. Databases from before descriptions
// were stored get theirs rebuilt from the model, when it is still where the campaign found it.
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Planning;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;
using Neutron.Results.Store;

namespace Neutron.Campaigns;

public static class CampaignDescriptions
{
    public static CampaignDescription Describe(SiteCatalog sites, FaultSpace? space, Stratification per, IReadOnlyList<string> classNames) => new()
    {
        Sites = sites.Weights.Concat(sites.Activations)
            .Select(x => new SiteInfo(Fault.TargetText(x.Target), x.Tensor, x.Layer, x.OpType, "[" + string.Join(",", x.Shape) + "]")).ToList(),
        StratumSizes = space is null || per == Stratification.None ? new Dictionary<string, long>()
            : Strata.Of(space, per).ToDictionary(x => x.Name, x => x.Size, StringComparer.Ordinal),
        ClassNames = classNames,
    };

    /// <summary>The description of a campaign recorded before descriptions were stored, rebuilt from its model when
    /// that is still where the campaign found it (same SHA-256); null otherwise.</summary>
    public static CampaignDescription? Rebuild(CampaignSettings s, string? modelPath = null)
    {
        string path = modelPath ?? s.ModelPath;
        if (!File.Exists(path) || CampaignFiles.Sha256(path) != s.ModelSha256) return null;
        var model = OnnxReader.Load(path);
        var sites = SiteCatalog.Discover(new InferenceSession(model), NumberFormat.Parse(s.Format), NumberFormat.Parse(s.Datapath));
        var per = Strata.Of(s.Plan);
        FaultSpace? space = per == Stratification.None || FaultSpaces.ParseTarget(s.Target) is not { } target ? null
            : FaultSpaces.Of(sites, target, FaultModelSpec.Parse(s.FaultModel), s.Sites);
        int classes = model.Outputs.FirstOrDefault()?.Shape is { Length: > 0 } shape && shape[^1] > 0 ? shape[^1] : 0;
        return Describe(sites, space, per, CampaignFiles.ClassNames(null, null, classes));
    }

    /// <summary>A stored campaign's outcomes and description, ready for CampaignRates and every analysis; an older
    /// database's description is rebuilt from the model (at <paramref name="modelPath"/> when it moved).</summary>
    public static CampaignData Load(CampaignStore store, long? campaign = null, string? modelPath = null) =>
        CampaignDataLoader.Load(store, campaign, settings => Rebuild(settings, modelPath));
}
