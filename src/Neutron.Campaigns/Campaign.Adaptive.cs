// Runs an adaptive plan round by round: each round's faults are written to the fault list before any runs, then
// run, then their outcomes close the strata that are done. Resuming replays the rounds from the stored outcomes
// (AdaptiveSampler is a pure function of them), checks each replayed fault against the stored list, and runs only
// what is missing, so a cancelled campaign ends identical to an uninterrupted one.
using Neutron.Analysis.Planning;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Campaigns;

public sealed partial class Campaign
{
    CampaignResult RunAdaptive(AdaptiveSampler sampler, IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        var stored = _store.Faults(Id).ToDictionary(f => f.Index, f => f.Fault);
        var drops = _store.Outcomes(Id).ToDictionary(o => o.FaultIndex, o => o.Drop);
        var golden = Runner.Golden;
        progress?.Report(new RunStarted(golden.Accuracy, golden.Images, null, drops.Count, 0, ModelLoading.PathDescription(Runner),
            sampler.Spec.Per != Stratification.None, sampler.Spec, sampler.Strata.Count));
        var sink = new DropSink(new StoreSink(_store, Id), drops);
        try
        {
            while (true)
            {
                var round = sampler.NextRound();
                if (round.Count == 0) break;
                var fresh = new List<(long, string)>();
                foreach (var f in round)
                {
                    string text = f.Fault.ToString();
                    if (!stored.TryGetValue(f.Index, out var old)) { fresh.Add((f.Index, text)); stored[f.Index] = text; }
                    else if (old != text)
                        throw new CampaignException($"'{_store.Path}' holds fault {f.Index} = {old}, but this adaptive plan draws {text} there",
                            "the database was made by another plan, seed or model; start a new campaign with another --db", CampaignErrorKind.Storage);
                }
                // Written before it runs: a kill mid-round leaves the round's list for the resume to check against.
                if (fresh.Count > 0) _store.AddFaults(Id, fresh);
                var todo = round.Where(f => !drops.ContainsKey(f.Index)).ToList();
                if (todo.Count > 0)
                {
                    int roundNumber = sampler.Rounds;
                    Runner.Run(todo, sink, progress is null ? null : new Reporter(p => progress.Report(new FaultsDone(
                        p.Done, p.Total, p.SdcFaults, (double)p.Done / Math.Max(1, p.Total), p.Eta, roundNumber))), cancel);
                }
                foreach (var f in round) sampler.RecordDrop(f.Index, drops[f.Index]);
                if (todo.Count > 0) progress?.Report(Finished(sampler, round.Count));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return new CampaignResult(false, _store.OutcomeCount(Id), null, sampler.Rounds, sampler.Drawn);
        }
        var strata = sampler.Strata;
        return new CampaignResult(true, _store.OutcomeCount(Id), null, sampler.Rounds, sampler.Drawn, strata.Count, strata.Count(s => s.Exhausted));
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
