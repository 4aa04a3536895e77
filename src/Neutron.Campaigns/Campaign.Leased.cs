// Run for a campaign in a PostgreSQL store: this process is one worker among any number. It takes a chunk (FOR
// UPDATE SKIP LOCKED), keeps its lease alive from a heartbeat timer, runs its faults, and commits the chunk's outcomes
// with its completion in one transaction; then the next, until every chunk is done. A worker that dies loses only its
// chunk in flight, which another takes when the lease runs out; one that lost its lease (it hung) drops that chunk.
// Adaptive plans add a round at a time, decided once under the round lock. The leases themselves are
// PostgresCampaignStore.Leases.cs; the single-store twins are RunFixed in Campaign.cs and RunAdaptive.
using Neutron.Analysis.Planning;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Campaigns;

public sealed partial class Campaign
{
    /// <summary>How long a chunk this process takes stays held without a heartbeat.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>This process as chunk owners name it: host and process id.</summary>
    public static string WorkerName => $"{Environment.MachineName}:{Environment.ProcessId}";

    CampaignResult RunLeased(PostgresCampaignStore store, IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        long total = store.FaultCount(Id), before = store.OutcomeCount(Id);
        var golden = Runner.Golden;
        progress?.Report(new RunStarted(golden.Accuracy, golden.Images, total, before, total - before, ModelLoading.PathDescription(Runner) + $", worker {WorkerName}",
            Strata.Of(Settings.Plan) != Stratification.None));
        bool done = RunChunks(store, progress, cancel);
        return new CampaignResult(done, store.OutcomeCount(Id), total);
    }

    /// <summary>An adaptive plan among workers: under the round lock, one replays the committed outcomes and, when
    /// the last round's chunks are all done, writes the next round as chunks; then every worker leases chunks of it.
    /// Rounds are the same as in one process, since each is a pure function of the outcomes of those before.</summary>
    CampaignResult RunAdaptiveLeased(PostgresCampaignStore store, AdaptiveSampler sampler, IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        ReportAdaptiveStart(sampler, store.OutcomeCount(Id), progress, $", worker {WorkerName}");
        (int Rounds, long Drawn)? seen = null; // rounds complete when this worker last looked
        while (!cancel.IsCancellationRequested)
        {
            sampler = sampler.Restarted();
            var round = store.UnderRoundLock(Id, () => OpenRound(sampler, StoredFaults(), StoredDrops()));
            (int Rounds, long Drawn) complete = (sampler.Rounds - (round.Count > 0 ? 1 : 0), sampler.Drawn - round.Count);
            if (seen is { } before && complete.Rounds > before.Rounds)
                progress?.Report(Finished(sampler, (int)(complete.Drawn - before.Drawn)) with { Round = complete.Rounds, Drawn = complete.Drawn });
            seen = complete;
            if (round.Count == 0) return AdaptiveResult(sampler);
            if (!RunChunks(store, progress, cancel)) break;
        }
        return new CampaignResult(false, store.OutcomeCount(Id), null, sampler.Rounds, sampler.Drawn);
    }

    /// <summary>Takes, runs and commits chunks until every chunk written so far is done (true), or until cancelled.</summary>
    bool RunChunks(PostgresCampaignStore store, IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        string worker = WorkerName;
        while (!cancel.IsCancellationRequested)
        {
            var held = store.TakeChunk(Id, worker, Lease);
            if (held is null)
            {
                var counts = store.Chunks(Id);
                if (counts.Done == counts.Total) return true;
                // Every open chunk is held by a live lease: wait for it to complete, or to run out (a dead worker).
                // Short polls: a worker waiting on the last chunks must not outlive them by long.
                cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Clamp(Lease.TotalMilliseconds / 20, 100, 1000)));
                continue;
            }
            List<StoredOutcome>? outcomes;
            try { outcomes = RunChunk(store, held, cancel); }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                store.ReleaseChunk(held); // stopped cleanly: another worker may take it now
                return false;
            }
            if (outcomes is null) continue; // the lease was lost: another worker has the chunk
            store.CompleteChunk(held, outcomes);
            long stored = store.OutcomeCount(Id), total = store.FaultCount(Id);
            progress?.Report(new FaultsDone(stored, total, store.SdcFaultCount(Id), (double)stored / Math.Max(total, 1), null));
        }
        return false;
    }

    /// <summary>The chunk's outcomes, or null when its lease was lost while it ran.</summary>
    List<StoredOutcome>? RunChunk(PostgresCampaignStore store, ChunkLease held, CancellationToken stop)
    {
        var plan = store.ChunkFaults(held).Select(f => new PlannedFault(f.Index, store.ParseFault(f.Index, f.Fault))).ToList();
        var outcomes = new List<StoredOutcome>(plan.Count);
        if (_protection is not null) plan = Decide(_protection, plan, outcomes);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var heartbeat = new Timer(_ =>
        {
            try { if (!store.RenewLease(held, Lease)) lost.Cancel(); }
            catch (StoreException) { } // the server is briefly unreachable: the next beat tries again
        }, null, Lease / 3, Lease / 3);
        try { Runner.Run(plan, new CollectingSink(outcomes), null, lost.Token); }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            return null;
        }
        heartbeat.Change(Timeout.Infinite, Timeout.Infinite);
        return outcomes;
    }

    /// <summary>Keeps a chunk's outcomes in memory until the chunk commits them all at once.</summary>
    sealed class CollectingSink(List<StoredOutcome> into) : IOutcomeSink
    {
        public void Write(IReadOnlyList<FaultOutcome> outcomes)
        {
            lock (into)
                foreach (var o in outcomes)
                    into.Add(StoreSink.ToStored(o));
        }
    }
}
