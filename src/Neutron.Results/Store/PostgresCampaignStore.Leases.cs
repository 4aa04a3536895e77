// Work leasing: the plan is written once as chunks (ranges of fault indices); a worker takes the first open chunk
// with FOR UPDATE SKIP LOCKED (workers never wait on each other), holds it by a lease in server time that its
// heartbeat renews, and commits the chunk's outcomes and its completion in one transaction. A chunk whose lease ran
// out (its worker died or hung) is taken again; since outcome writes are idempotent, a hung worker that wakes up
// and commits late stores nothing twice. Adaptive plans decide each next round once, under an advisory lock.
using Npgsql;

namespace Neutron.Results.Store;

/// <summary>A chunk held by a worker: fault indices FirstIndex..LastIndex of a campaign.</summary>
public sealed record ChunkLease(long Campaign, int Chunk, long FirstIndex, long LastIndex, string Worker, int Attempts);

/// <summary>Chunks of a campaign: all, completed, and held under a live lease.</summary>
public readonly record struct ChunkCounts(long Total, long Done, long Leased);

public sealed partial class PostgresCampaignStore
{
    /// <summary>Takes the first chunk that is not done and not held by a live lease, for <paramref name="lease"/>;
    /// null when there is none (all done, or all held by other workers).</summary>
    public ChunkLease? TakeChunk(long campaign, string worker, TimeSpan lease) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            WITH next AS (
                SELECT chunk FROM chunks WHERE campaign = @c AND NOT done AND (lease_until IS NULL OR lease_until < clock_timestamp())
                ORDER BY chunk LIMIT 1 FOR UPDATE SKIP LOCKED)
            UPDATE chunks k SET owner = @w, lease_until = clock_timestamp() + @l, attempts = attempts + 1
            FROM next WHERE k.campaign = @c AND k.chunk = next.chunk
            RETURNING k.chunk, k.first_index, k.last_index, k.attempts;
            """, c, tx);
        cmd.Parameters.AddWithValue("c", campaign);
        cmd.Parameters.AddWithValue("w", worker);
        cmd.Parameters.AddWithValue("l", lease);
        using var r = cmd.ExecuteReader();
        return r.Read() ? new ChunkLease(campaign, r.GetInt32(0), r.GetInt64(1), r.GetInt64(2), worker, r.GetInt32(3)) : null;
    });

    /// <summary>The heartbeat: extends the lease while this worker still holds it. False when the lease was lost (it
    /// ran out and another worker took the chunk, or the chunk is done).</summary>
    public bool RenewLease(ChunkLease held, TimeSpan lease) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            UPDATE chunks SET lease_until = clock_timestamp() + @l WHERE campaign = @c AND chunk = @k AND owner = @w AND NOT done;
            """, c, tx);
        cmd.Parameters.AddWithValue("c", held.Campaign);
        cmd.Parameters.AddWithValue("k", held.Chunk);
        cmd.Parameters.AddWithValue("w", held.Worker);
        cmd.Parameters.AddWithValue("l", lease);
        return cmd.ExecuteNonQuery() == 1;
    });

    /// <summary>Gives a chunk back before its lease runs out (a worker stopped cleanly, e.g. by SIGTERM), so another
    /// worker takes it at once instead of after the lease.</summary>
    public void ReleaseChunk(ChunkLease held) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("UPDATE chunks SET lease_until = NULL WHERE campaign = @c AND chunk = @k AND owner = @w AND NOT done;", c, tx);
        cmd.Parameters.AddWithValue("c", held.Campaign);
        cmd.Parameters.AddWithValue("k", held.Chunk);
        cmd.Parameters.AddWithValue("w", held.Worker);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>The chunk's faults as (index, text), by index.</summary>
    public IReadOnlyList<(long Index, string Fault)> ChunkFaults(ChunkLease held)
    {
        try
        {
            using var c = _source.OpenConnection();
            using var cmd = new NpgsqlCommand("SELECT fault_index, fault FROM faults WHERE campaign = @c AND fault_index BETWEEN @a AND @b ORDER BY fault_index;", c);
            cmd.Parameters.AddWithValue("c", held.Campaign);
            cmd.Parameters.AddWithValue("a", held.FirstIndex);
            cmd.Parameters.AddWithValue("b", held.LastIndex);
            using var r = cmd.ExecuteReader();
            var list = new List<(long, string)>();
            while (r.Read()) list.Add((r.GetInt64(0), r.GetString(1)));
            return list;
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    /// <summary>Commits the chunk's outcomes and marks it done, in one transaction: a worker killed before this
    /// leaves the chunk open with none of its outcomes, one killed after leaves it done with all of them. Returns
    /// how many outcomes were new.</summary>
    public int CompleteChunk(ChunkLease held, IReadOnlyList<StoredOutcome> outcomes) => InTransaction((c, tx) =>
    {
        int added = WriteBatchIn(held.Campaign, outcomes, c, tx);
        using var cmd = new NpgsqlCommand("UPDATE chunks SET done = true, owner = @w, lease_until = NULL WHERE campaign = @c AND chunk = @k;", c, tx);
        cmd.Parameters.AddWithValue("c", held.Campaign);
        cmd.Parameters.AddWithValue("k", held.Chunk);
        cmd.Parameters.AddWithValue("w", held.Worker);
        cmd.ExecuteNonQuery();
        return added;
    });

    /// <summary>Marks done every open chunk whose faults all have outcomes (a campaign copied in with results), so
    /// no worker runs them again. Returns how many it closed.</summary>
    public int CloseCompleteChunks(long campaign) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            UPDATE chunks k SET done = true, lease_until = NULL WHERE k.campaign = @c AND NOT k.done AND NOT EXISTS (
                SELECT 1 FROM faults f WHERE f.campaign = @c AND f.fault_index BETWEEN k.first_index AND k.last_index
                AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.campaign = @c AND o.fault_index = f.fault_index));
            """, c, tx);
        cmd.Parameters.AddWithValue("c", campaign);
        return cmd.ExecuteNonQuery();
    });

    public ChunkCounts Chunks(long campaign)
    {
        var rows = Read("""
            SELECT count(*), count(*) FILTER (WHERE done), count(*) FILTER (WHERE NOT done AND lease_until >= clock_timestamp()) FROM chunks WHERE campaign = @c;
            """, campaign, r => new ChunkCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return rows[0];
    }

    /// <summary>Runs <paramref name="decide"/> while holding the campaign's round lock (a session advisory lock), so
    /// that of many workers finding a round finished, one decides and writes the next and the others, entering
    /// after it, see that round's chunks from committed data.</summary>
    public T UnderRoundLock<T>(long campaign, Func<T> decide)
    {
        try
        {
            using var c = _source.OpenConnection();
            using (var l = new NpgsqlCommand($"SELECT pg_advisory_lock({RoundLock}, @c::int);", c))
            {
                l.Parameters.AddWithValue("c", campaign);
                l.ExecuteNonQuery();
            }
            try { return decide(); }
            finally
            {
                using var u = new NpgsqlCommand($"SELECT pg_advisory_unlock({RoundLock}, @c::int);", c);
                u.Parameters.AddWithValue("c", campaign);
                u.ExecuteNonQuery();
            }
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }
}
