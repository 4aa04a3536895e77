// Work leasing on the PostgreSQL store: the plan as chunks, each taken by one worker (SKIP LOCKED), a live lease
// kept and an expired one reclaimed, a chunk's outcomes and completion committed together, adaptive rounds added as
// new chunks under the round lock.
using Neutron.Results.Store;
using Neutron.Results.Tests.Store;

namespace Neutron.Results.Tests.Postgres;

public class LeaseTests
{
    static (long, string)[] Faults(long from, long to) => Enumerable.Range((int)from, (int)(to - from)).Select(i => ((long)i, $"weight:w@{i}#30")).ToArray();

    static StoredOutcome Outcome(long index) => new(index, 4, 3, 3, 0, 0, []);

    static PostgresCampaignStore Store(out long id, int faults = 10, int chunk = 4)
    {
        var store = PostgresCampaignStore.Open(PostgresServer.Instance!.NewDatabase(), create: true, chunk);
        id = store.CreateCampaign(CampaignStoreTests.Settings() with { PlanSize = faults }, Faults(0, faults));
        return store;
    }

    [PostgresFact]
    public void ThePlanIsWrittenAsChunksEachTakenOnce()
    {
        using var store = Store(out long id);
        Assert.Equal(new ChunkCounts(3, 0, 0), store.Chunks(id));
        var a = store.TakeChunk(id, "a", TimeSpan.FromMinutes(1))!;
        var b = store.TakeChunk(id, "b", TimeSpan.FromMinutes(1))!;
        var c = store.TakeChunk(id, "c", TimeSpan.FromMinutes(1))!;
        Assert.Null(store.TakeChunk(id, "d", TimeSpan.FromMinutes(1))); // all held by live leases
        Assert.Equal([(0L, 3L), (4L, 7L), (8L, 9L)], new[] { a, b, c }.Select(l => (l.FirstIndex, l.LastIndex)));
        Assert.Equal([0L, 1, 2, 3], store.ChunkFaults(a).Select(f => f.Index));
        Assert.Equal(new ChunkCounts(3, 0, 3), store.Chunks(id));
        Assert.Equal(4, store.CompleteChunk(a, store.ChunkFaults(a).Select(f => Outcome(f.Index)).ToList()));
        Assert.False(store.RenewLease(a, TimeSpan.FromMinutes(1))); // done: nothing to renew
        Assert.True(store.RenewLease(b, TimeSpan.FromMinutes(1)));
        Assert.Equal(new ChunkCounts(3, 1, 2), store.Chunks(id));
        Assert.Equal(4, store.OutcomeCount(id));
    }

    [PostgresFact]
    public void AnExpiredLeaseIsReclaimedAndALateCommitCountsNothingTwice()
    {
        using var store = Store(out long id, faults: 4);
        var dead = store.TakeChunk(id, "dead", TimeSpan.FromMilliseconds(200))!;
        Assert.Null(store.TakeChunk(id, "live", TimeSpan.FromMinutes(1)));
        Thread.Sleep(400);
        var retaken = store.TakeChunk(id, "live", TimeSpan.FromMinutes(1))!;
        Assert.Equal((dead.Chunk, 2), (retaken.Chunk, retaken.Attempts));
        Assert.False(store.RenewLease(dead, TimeSpan.FromMinutes(1))); // the dead worker's heartbeat learns it lost the chunk
        var outcomes = store.ChunkFaults(retaken).Select(f => Outcome(f.Index)).ToList();
        Assert.Equal(4, store.CompleteChunk(retaken, outcomes));
        Assert.Equal(0, store.CompleteChunk(dead, outcomes)); // it woke up and committed late
        Assert.Equal(4, store.OutcomeCount(id));
        Assert.Null(store.TakeChunk(id, "live", TimeSpan.FromMinutes(1)));
    }

    [PostgresFact]
    public void AReleasedChunkIsTakenAtOnce()
    {
        using var store = Store(out long id, faults: 4);
        var held = store.TakeChunk(id, "stopping", TimeSpan.FromMinutes(10))!;
        store.ReleaseChunk(held with { Worker = "someone else" }); // only its holder can give it back
        Assert.Null(store.TakeChunk(id, "next", TimeSpan.FromMinutes(1)));
        store.ReleaseChunk(held);
        Assert.Equal(held.Chunk, store.TakeChunk(id, "next", TimeSpan.FromMinutes(1))!.Chunk);
    }

    [PostgresFact]
    public void AKilledChunkCommitLeavesNeitherOutcomesNorCompletion()
    {
        using var store = Store(out long id, faults: 4);
        var held = store.TakeChunk(id, "w", TimeSpan.FromMinutes(1))!;
        // An outcome of a fault outside the plan breaks the integrity check, not the insert: use a foreign key
        // violation instead to make the transaction fail midway.
        Assert.Throws<StoreException>(() => store.CompleteChunk(held with { Campaign = id + 1000 }, [Outcome(0)]));
        Assert.Equal(0, store.OutcomeCount(id));
        Assert.Equal(new ChunkCounts(1, 0, 1), store.Chunks(id));
    }

    [PostgresFact]
    public void AnAdaptiveRoundIsAddedOnceAsNewChunks()
    {
        using var store = Store(out long id, faults: 4);
        int decided = 0;
        Parallel.For(0, 4, _ => store.UnderRoundLock(id, () =>
        {
            // Each worker that finds the round finished looks again under the lock: only the first writes round 2.
            if (store.FaultCount(id) > 4) return 0;
            Interlocked.Increment(ref decided);
            store.AddFaults(id, Faults(4, 10));
            return 1;
        }));
        Assert.Equal(1, decided);
        Assert.Equal(10, store.FaultCount(id));
        Assert.Equal(new ChunkCounts(3, 0, 0), store.Chunks(id)); // 4 + (4, 2)
    }
}
