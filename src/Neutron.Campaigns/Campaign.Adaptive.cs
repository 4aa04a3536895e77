// Runs an adaptive plan round by round: each round's faults are written to the fault list before any runs, then
// run, then their outcomes close the strata that are done. Resuming replays the rounds from the stored outcomes
// (AdaptiveSampler is a pure function of them), checks each replayed fault against the stored list, and runs only
// what is missing, so a cancelled campaign ends identical to an uninterrupted one. On a PostgreSQL store the same
// replay runs under the campaign's round lock, so that of many workers one writes each next round
// (Campaign.Leased.cs).
using Neutron.Analysis.Planning;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Campaigns;

public sealed partial class Campaign
{
    CampaignResult RunAdaptive(AdaptiveSampler sampler, IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        var stored = StoredFaults();
        var drops = StoredDrops();
        ReportAdaptiveStart(sampler, drops.Count, progress);
        var sink = new DropSink(new StoreSink(_store, Id), drops);
        try
        {
            while (true)
            {
                var round = OpenRound(sampler, stored, drops);
                if (round.Count == 0) break;
                var todo = round.Where(f => !drops.ContainsKey(f.Index)).ToList();
                int roundNumber = sampler.Rounds;
                Runner.Run(todo, sink, progress is null ? null : new Reporter(p => progress.Report(new FaultsDone(
                    p.Done, p.Total, p.SdcFaults, (double)p.Done / Math.Max(1, p.Total), p.Eta, roundNumber))), cancel);
                foreach (var f in round) sampler.RecordDrop(f.Index, drops[f.Index]);
                progress?.Report(Finished(sampler, round.Count));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return new CampaignResult(false, _store.OutcomeCount(Id), null, sampler.Rounds, sampler.Drawn);
        }
        return AdaptiveResult(sampler);
    }

    Dictionary<long, string> StoredFaults() => _store.Faults(Id).ToDictionary(f => f.Index, f => f.Fault);

    Dictionary<long, double> StoredDrops() => _store.Outcomes(Id).ToDictionary(o => o.FaultIndex, o => o.Drop);

    void ReportAdaptiveStart(AdaptiveSampler sampler, long stored, IProgress<CampaignEvent>? progress, string where = "") =>
        progress?.Report(new RunStarted(Runner.Golden.Accuracy, Runner.Golden.Images, null, stored, 0, ModelLoading.PathDescription(Runner) + where,
            sampler.Spec.Per != Stratification.None, sampler.Spec, sampler.Strata.Count));

    CampaignResult AdaptiveResult(AdaptiveSampler sampler)
    {
        var strata = sampler.Strata;
        return new CampaignResult(true, _store.OutcomeCount(Id), null, sampler.Rounds, sampler.Drawn, strata.Count, strata.Count(s => s.Exhausted));
    }

    /// <summary>Draws rounds from <paramref name="sampler"/>, checking each fault against the faults stored, and
    /// records every round whose outcomes are all in <paramref name="drops"/>. Returns the first round that is not
    /// complete, after writing the faults of it not stored yet (written before they run: a kill mid-round leaves the
    /// round's list for the resume to check against); empty when every stratum is closed.</summary>
    IReadOnlyList<PlannedFault> OpenRound(AdaptiveSampler sampler, Dictionary<long, string> stored, IReadOnlyDictionary<long, double> drops)
    {
        while (true)
        {
            var round = sampler.NextRound();
            if (round.Count == 0) return round;
            var fresh = new List<(long, string)>();
            foreach (var f in round)
            {
                string text = f.Fault.ToString();
                if (!stored.TryGetValue(f.Index, out var old)) { fresh.Add((f.Index, text)); stored[f.Index] = text; }
                else if (old != text)
                    throw new CampaignException($"'{_store.Path}' holds fault {f.Index} = {old}, but this adaptive plan draws {text} there",
                        "the database was made by another plan, seed or model; start a new campaign with another --db", CampaignErrorKind.Storage);
            }
            if (fresh.Count > 0) _store.AddFaults(Id, fresh);
            if (fresh.Count > 0 || round.Any(f => !drops.ContainsKey(f.Index))) return round;
            foreach (var f in round) sampler.RecordDrop(f.Index, drops[f.Index]);
        }
    }

    static RoundFinished Finished(AdaptiveSampler sampler, int roundSize)
    {
        var strata = sampler.Strata;
        var spec = sampler.Spec;
        var open = strata.Where(s => !s.Exhausted && !AdaptiveSampler.Reached(s.Critical, s.Observed, spec.Margin, spec.Level)).ToList();
        return new RoundFinished(sampler.Rounds, roundSize, sampler.Drawn, open.Count, strata.Count, open.MaxBy(s => s.Interval.HalfWidth));
    }

    /// <summary>Stores outcomes and keeps each fault's drop for the stopping rule.</summary>
    sealed class DropSink(StoreSink inner, Dictionary<long, double> drops) : IOutcomeSink
    {
        public void Write(IReadOnlyList<FaultOutcome> outcomes)
        {
            inner.Write(outcomes);
            foreach (var o in outcomes) drops[o.FaultIndex] = o.Drop;
        }
    }
}
