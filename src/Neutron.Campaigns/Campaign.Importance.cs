// Starting an importance plan (`importance:count=N,...`): the model's gradient sensitivity on the campaign's images
// scores every position, the plan is drawn from the proposal (Neutron.Analysis ImportanceScores), and each fault's
// p and q go into the store with the fault list. A model autodiff cannot differentiate is a CampaignException.
using Neutron.Analysis.Planning;
using Neutron.Engine;
using Neutron.Engine.Onnx;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Campaigns;

public sealed partial class Campaign
{
    static (IReadOnlyList<PlannedFault> Faults, IReadOnlyDictionary<long, (double P, double Q)> Weights) DrawImportance(
        FaultSpace space, ImportancePlan plan, ulong seed, FaultRunner runner, string modelPath)
    {
        ImportancePlanResult drawn;
        try { drawn = ImportanceScores.Plan(space, plan, seed, runner, OnnxReader.Load(modelPath)); }
        catch (ModelException e)
        {
            throw new CampaignException($"an importance plan needs the gradients of '{modelPath}', and autodiff cannot take them: {e.Message}",
                "use another plan, e.g. --plan random:1000; docs/campaigns.md lists the operators autodiff supports", CampaignErrorKind.ModelOrData);
        }
        catch (ArgumentException e)
        {
            throw new CampaignException(e.Message, "use another plan for these sites, e.g. --plan random:1000", CampaignErrorKind.ModelOrData);
        }
        var weights = new Dictionary<long, (double, double)>(drawn.Draws.Length);
        for (int i = 0; i < drawn.Draws.Length; i++) weights[drawn.Faults[i].Index] = (drawn.Draws[i].P, drawn.Draws[i].Q);
        return (drawn.Faults, weights);
    }
}
