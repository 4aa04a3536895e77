// Copies one campaign between stores, either way (a server's campaign into a file to take it offline or share it,
// a file's into a server for workers to finish): settings, fault list, description, golden predictions, outcomes
// with their changed predictions and protection verdicts, an importance plan's weights, and the forests' predicted
// criticality. Idempotent like every store write: copying again, or into
// a store that holds part of the same campaign, adds only what is missing. A different campaign there is refused.
namespace Neutron.Results.Store;

public static class StoreCopy
{
    /// <summary>Copies campaign <paramref name="campaign"/> of <paramref name="from"/> into <paramref name="to"/>;
    /// returns its id there and how many outcomes were new.</summary>
    public static (long Id, long Added) Copy(CampaignStore from, long campaign, CampaignStore to)
    {
        var settings = from.Settings(campaign);
        var weights = from.FaultWeights(campaign);
        var (id, _) = to.FindOrCreateCampaign(settings, () => from.Faults(campaign), from.Description(campaign), weights.Count > 0 ? weights : null);
        if (to.FaultCount(id) < from.FaultCount(campaign)) to.AddFaults(id, from.Faults(campaign)); // an adaptive plan grew since
        var golden = from.Golden(campaign);
        if (golden.Count > 0) to.WriteGolden(id, golden);
        var verdicts = from.ProtectedOutcomes(campaign);
        var changed = new Dictionary<long, List<(int, int)>>();
        foreach (var (fault, image, top1) in from.Predictions(campaign))
        {
            if (!changed.TryGetValue(fault, out var list)) changed[fault] = list = [];
            list.Add((image, top1));
        }
        long added = 0;
        var batch = new List<StoredOutcome>(4096);
        foreach (var o in from.Outcomes(campaign))
        {
            batch.Add(new StoredOutcome(o.FaultIndex, o.Images, o.GoldenCorrect, o.FaultyCorrect, o.Sdc, o.NonFinite,
                changed.TryGetValue(o.FaultIndex, out var c) ? [.. c] : [], verdicts.GetValueOrDefault(o.FaultIndex)));
            if (batch.Count == 4096) { added += to.WriteBatch(id, batch); batch.Clear(); }
        }
        added += to.WriteBatch(id, batch);
        CopyCriticality(from, campaign, to, id);
        if (to is PostgresCampaignStore server) server.CloseCompleteChunks(id);
        to.CheckCampaign(id);
        return (id, added);
    }

    /// <summary>The forests' Table II rows and prediction sets; each set replaces the one of the same tolerance and
    /// forest there, as predicting again would.</summary>
    static void CopyCriticality(CampaignStore from, long campaign, CampaignStore to, long id)
    {
        var scores = from.Scores(campaign);
        if (scores.Count > 0) to.WriteScores(id, scores);
        foreach (var set in from.CriticalitySets(campaign))
        {
            to.ClearCriticality(id, set.Tolerance, set.Forest);
            var block = new List<Neutron.Protection.Criticality.ParameterPrediction>(4096);
            foreach (var word in from.Criticality(campaign, set.Tolerance, set.Forest))
            {
                block.Add(word);
                if (block.Count == 4096) { to.WriteCriticality(id, set.Tolerance, set.Forest, block); block.Clear(); }
            }
            to.WriteCriticality(id, set.Tolerance, set.Forest, block);
            if (set.Threshold is { } cut) to.WriteThreshold(id, set.Tolerance, set.Forest, cut);
        }
    }
}
