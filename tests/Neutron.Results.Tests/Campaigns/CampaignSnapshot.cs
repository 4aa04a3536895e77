// Everything a campaign database says about its results (golden, fault list, outcomes, faulty predictions),
// as comparable lists, so tests can assert that two databases hold the same campaign results.
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

public sealed record CampaignSnapshot(
    List<GoldenPrediction> Golden, List<(long, string)> Faults, List<OutcomeRow> Outcomes, List<(long, int, int)> Predictions)
{
    public static CampaignSnapshot Read(string db)
    {
        using var store = SqliteCampaignStore.Open(db, create: false);
        long id = store.SingleCampaign();
        return new([.. store.Golden(id)], [.. store.Faults(id)], [.. store.Outcomes(id)], [.. store.Predictions(id)]);
    }

    public void AssertSameAs(CampaignSnapshot other)
    {
        Assert.Equal(other.Golden, Golden);
        Assert.Equal(other.Faults, Faults);
        Assert.Equal(other.Outcomes, Outcomes);
        Assert.Equal(other.Predictions, Predictions);
    }
}
