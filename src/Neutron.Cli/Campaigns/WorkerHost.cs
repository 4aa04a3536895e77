// One worker of a campaign in a PostgreSQL store: takes a chunk (FOR UPDATE SKIP LOCKED), keeps its lease alive
// from a heartbeat thread, runs its faults, and commits the chunk's outcomes with its completion in one
// transaction; then the next chunk, until every chunk is done. A worker that dies loses only its chunk in flight,
// which another takes when the lease runs out; a worker that lost its lease (it hung) stops that chunk. Its
// single-machine twin is CampaignHost.Execute; the leases themselves are PostgresCampaignStore.Leases.cs.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Neutron.Analysis.Protection;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Cli.Campaigns;

public static class WorkerHost
{
    /// <summary>How long a chunk stays held without a heartbeat when no --lease is given.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(60);

    /// <summary>This process as chunk owners name it: host and process id.</summary>
    public static string WorkerName => $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Runs chunks until the campaign is done. Returns the exit code: 0 done, 130 interrupted.</summary>
    public static int Execute(PostgresCampaignStore store, long campaign, FaultRunner runner, ProtectionPlan? protection, TimeSpan lease)
    {
        string worker = WorkerName;
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var golden = runner.Golden;
        Console.Error.WriteLine($"worker {worker}: golden accuracy {golden.Accuracy:P2} on {golden.Images} images; {CampaignHost.PathDescription(runner)}; leases of {lease.TotalSeconds:0.#} s");
        long ran = 0, chunks = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var held = store.TakeChunk(campaign, worker, lease);
                if (held is null)
                {
                    var counts = store.Chunks(campaign);
                    if (counts.Done == counts.Total) break;
                    // Every open chunk is held by a live lease: wait for it to complete, or to run out (a dead worker).
                    // Short polls: a worker waiting on the last chunks must not outlive them by long.
                    cancel.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Clamp(lease.TotalMilliseconds / 20, 100, 1000)));
                    continue;
                }
                var outcomes = RunChunk(store, held, runner, protection, lease, cancel.Token);
                if (outcomes is null) continue; // the lease was lost: another worker has the chunk
                store.CompleteChunk(held, outcomes);
                ran += outcomes.Count;
                chunks++;
                var now = store.Chunks(campaign);
                Console.WriteLine($"worker {worker}: chunk {held.Chunk} ({held.FirstIndex}–{held.LastIndex}) done; {now.Done}/{now.Total} chunks done, {ran:N0} faults by this worker in {clock.Elapsed:hh\\:mm\\:ss}");
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        if (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"neutron: worker {worker} stopped after {chunks:N0} chunks; its chunk in flight goes to another worker when its lease runs out");
            return ExitCodes.Interrupted;
        }
        Console.Error.WriteLine($"done: every chunk of campaign {campaign} is stored in '{store.Path}' ({ran:N0} faults by this worker); `neutron summary --db {store.Path}` shows the tables");
        return ExitCodes.Ok;
    }

    /// <summary>The chunk's outcomes, or null when its lease was lost while it ran.</summary>
    static List<StoredOutcome>? RunChunk(PostgresCampaignStore store, ChunkLease held, FaultRunner runner, ProtectionPlan? protection, TimeSpan lease, CancellationToken stop)
    {
        var plan = store.ChunkFaults(held).Select(f => new PlannedFault(f.Index, store.ParseFault(f.Index, f.Fault))).ToList();
        var outcomes = new List<StoredOutcome>(plan.Count);
        if (protection is not null) plan = CampaignHost.Decide(runner, protection, plan, outcomes);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var heartbeat = new Timer(_ =>
        {
            try { if (!store.RenewLease(held, lease)) lost.Cancel(); }
            catch (StoreException) { } // the server is briefly unreachable: the next beat tries again
        }, null, lease / 3, lease / 3);
        var sink = new CollectingSink(outcomes);
        try { runner.Run(plan, sink, null, lost.Token); }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            Console.Error.WriteLine($"worker {held.Worker}: lost the lease of chunk {held.Chunk}; leaving it to the worker that took it");
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
