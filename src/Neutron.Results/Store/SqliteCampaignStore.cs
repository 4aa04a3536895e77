// The SQLite campaign store (DESIGN §6): WAL journal, schema version in PRAGMA user_version, one transaction per
// batch of outcomes, writes idempotent by (campaign, fault index) so a killed campaign resumes with no fault lost
// or counted twice. Several campaigns may share a file. Its twin for many machines is PostgresCampaignStore; what
// both promise is CampaignStore. Not here: running faults (Neutron.Faults), the shard merge (ShardMerger.cs).
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Neutron.Results.Store;

public sealed partial class SqliteCampaignStore : CampaignStore
{
    readonly SqliteConnection _connection;

    SqliteCampaignStore(string path, SqliteConnection connection) : base(path)
    {
        _connection = connection;
    }

    /// <summary>Opens a campaign database; creates it when <paramref name="create"/> is set and the file is new or empty.</summary>
    public static new SqliteCampaignStore Open(string path, bool create)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!create && !File.Exists(full))
            throw new StoreException($"campaign database '{path}' does not exist", "run `neutron campaign ... --db FILE` first, or check the path");
        // Pooling off: a closed store really closes its file, so tests and merges can move or delete it.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 10000;");
            var store = new SqliteCampaignStore(full, connection);
            store.EnsureSchema(create);
            if (store.HasCampaigns) store.QuickCheck();
            return store;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26)
        {
            connection.Dispose();
            throw new StoreException($"'{path}' is not a readable campaign database: {e.Message}", "check the path; a campaign database is made by `neutron campaign`; a damaged one must be restored from a copy", e);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Explain(e, path);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // ---- campaigns

    public override IReadOnlyList<(long Id, CampaignSettings Settings)> Campaigns() => Campaigns(null);

    IReadOnlyList<(long Id, CampaignSettings Settings)> Campaigns(SqliteTransaction? tx)
    {
        var list = new List<(long, CampaignSettings)>();
        // An older file opened read-only is read as recorded: no datapath in version 1, no protection before 3, the
        // filter text before 4.
        using var cmd = Command("SELECT id, tool_version, model_path, model_sha256, data_spec, images, format, target, fault_model, "
            + (_readOnlyVersion is 1 or 2 or 3 ? "filters" : "site_filter") + ", planner, seed, kernel_set, shard, plan_size, created, "
            + (_readOnlyVersion1 ? "format" : "datapath") + ", " + (_readOnlyVersion is 1 or 2 ? "''" : "protection") + ", "
            + (_readOnlyVersion is 1 or 2 or 3 ? CampaignSettings.DefaultMemoryBudget.ToString(CultureInfo.InvariantCulture) : "memory_budget") + " FROM campaigns ORDER BY id;", tx);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            try { list.Add(ReadSettings(r)); }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                throw new StoreException($"a campaign's settings in '{Path}' are damaged ({e.Message})", Damaged, e);
            }
        }
        return list;
    }

    (long, CampaignSettings) ReadSettings(SqliteDataReader r)
    {
        {
            return (r.GetInt64(0), new CampaignSettings
            {
                ToolVersion = r.GetString(1), ModelPath = r.GetString(2), ModelSha256 = r.GetString(3), DataSpec = r.GetString(4),
                Images = r.GetInt32(5), Format = r.GetString(6), Target = r.GetString(7), FaultModel = r.GetString(8),
                Sites = _readOnlyVersion is 1 or 2 or 3 ? LegacyFilter(r.GetInt64(0), r.GetString(9)) : SiteFilterJson.Read(r.GetString(9)), Planner = r.GetString(10), Seed = unchecked((ulong)r.GetInt64(11)), KernelSet = r.GetString(12),
                Shard = r.GetString(13), PlanSize = r.GetInt64(14), Datapath = r.GetString(16), Protection = r.GetString(17), MemoryBudget = r.GetInt64(18),
                Created = DateTimeOffset.TryParse(r.GetString(15), CultureInfo.InvariantCulture, DateTimeStyles.None, out var created) ? created
                    : throw new StoreException($"campaign {r.GetInt64(0)} in '{Path}' has a damaged creation time", Damaged),
            });
        }
    }

    /// <summary>Records a campaign and its whole fault list (this shard's part) in one transaction.</summary>
    public override long CreateCampaign(CampaignSettings settings, IReadOnlyList<(long Index, string Fault)> faults, CampaignDescription? description = null)
    {
        using var tx = _connection.BeginTransaction();
        long id = InsertCampaign(settings, faults, description, tx);
        tx.Commit();
        return id;
    }

    /// <summary>The campaign of these settings (and shard) already in the file, or a new one recorded with its fault
    /// list, decided in one write transaction: processes started together on one new file make one campaign. A file
    /// holding a different campaign is refused.</summary>
    public override (long Id, bool Created) FindOrCreateCampaign(CampaignSettings settings, Func<IReadOnlyList<(long Index, string Fault)>> faults, CampaignDescription? description = null,
        IReadOnlyDictionary<long, (double P, double Q)>? weights = null)
    {
        using var tx = _connection.BeginTransaction(); // BEGIN IMMEDIATE: the write lock is taken before reading
        var all = Campaigns(tx);
        foreach (var (id, existing) in all)
            if (existing.SameCampaignAs(settings) && existing.Shard == settings.Shard) return (id, false);
        if (all.Count > 0)
            throw new StoreException($"'{Path}' already holds a different campaign ({all[^1].Settings.FirstDifference(settings)})",
                $"continue it with `neutron resume --db {Path}`, or give this one another --db");
        long created = InsertCampaign(settings, faults(), description, tx);
        if (weights is not null) InsertWeights(created, weights, tx);
        tx.Commit();
        return (created, true);
    }

    long InsertCampaign(CampaignSettings settings, IReadOnlyList<(long Index, string Fault)> faults, CampaignDescription? description, SqliteTransaction tx)
    {
        using var insert = Command("""
            INSERT INTO campaigns(tool_version, model_path, model_sha256, data_spec, images, format, datapath, target, fault_model, site_filter, planner, seed, kernel_set, shard, plan_size, created, protection, memory_budget)
            VALUES($tool, $path, $sha, $data, $images, $format, $datapath, $target, $model, $filters, $planner, $seed, $kernels, $shard, $size, $created, $protection, $memory) RETURNING id;
            """, tx);
        insert.Parameters.AddWithValue("$tool", settings.ToolVersion);
        insert.Parameters.AddWithValue("$path", settings.ModelPath);
        insert.Parameters.AddWithValue("$sha", settings.ModelSha256);
        insert.Parameters.AddWithValue("$data", settings.DataSpec);
        insert.Parameters.AddWithValue("$images", settings.Images);
        insert.Parameters.AddWithValue("$format", settings.Format);
        insert.Parameters.AddWithValue("$datapath", settings.Datapath);
        insert.Parameters.AddWithValue("$target", settings.Target);
        insert.Parameters.AddWithValue("$model", settings.FaultModel);
        insert.Parameters.AddWithValue("$filters", SiteFilterJson.Write(settings.Sites));
        insert.Parameters.AddWithValue("$planner", settings.Planner);
        insert.Parameters.AddWithValue("$seed", unchecked((long)settings.Seed));
        insert.Parameters.AddWithValue("$kernels", settings.KernelSet);
        insert.Parameters.AddWithValue("$shard", settings.Shard);
        insert.Parameters.AddWithValue("$size", settings.PlanSize);
        insert.Parameters.AddWithValue("$created", settings.Created.ToString("O", CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$protection", settings.Protection);
        insert.Parameters.AddWithValue("$memory", settings.MemoryBudget);
        long id = (long)insert.ExecuteScalar()!;
        InsertFaults(id, faults, tx);
        if (description is not null) InsertDescription(id, description, tx);
        return id;
    }

    /// <summary>Adds faults to a campaign's list in one transaction (an adaptive plan writes each round before it
    /// runs); a fault index already stored is left as it is.</summary>
    public override void AddFaults(long campaign, IReadOnlyList<(long Index, string Fault)> faults)
    {
        using var tx = _connection.BeginTransaction();
        InsertFaults(campaign, faults, tx);
        tx.Commit();
    }

    void InsertFaults(long campaign, IReadOnlyList<(long Index, string Fault)> faults, SqliteTransaction tx)
    {
        using var cmd = Command("INSERT OR IGNORE INTO faults(campaign, fault_index, fault) VALUES($c, $i, $f);", tx);
        var c = cmd.Parameters.AddWithValue("$c", campaign);
        var i = cmd.Parameters.Add("$i", SqliteType.Integer);
        var f = cmd.Parameters.Add("$f", SqliteType.Text);
        cmd.Prepare();
        foreach (var (index, text) in faults)
        {
            i.Value = index;
            f.Value = text;
            cmd.ExecuteNonQuery();
        }
    }

    // An importance plan's p and q go in with the faults, in the same transaction: no stored fault lacks them.
    void InsertWeights(long campaign, IReadOnlyDictionary<long, (double P, double Q)> weights, SqliteTransaction tx)
    {
        using var cmd = Command("UPDATE faults SET p = $p, q = $q WHERE campaign = $c AND fault_index = $i;", tx);
        cmd.Parameters.AddWithValue("$c", campaign);
        var i = cmd.Parameters.Add("$i", SqliteType.Integer);
        var p = cmd.Parameters.Add("$p", SqliteType.Real);
        var q = cmd.Parameters.Add("$q", SqliteType.Real);
        cmd.Prepare();
        foreach (var (index, (pv, qv)) in weights)
        {
            if (!(pv > 0 && qv > 0 && double.IsFinite(pv) && double.IsFinite(qv)))
                throw new ArgumentOutOfRangeException(nameof(weights), $"fault {index}: p = {pv}, q = {qv}; both must be finite and > 0");
            i.Value = index;
            p.Value = pv;
            q.Value = qv;
            cmd.ExecuteNonQuery();
        }
    }

    public override IReadOnlyDictionary<long, (double P, double Q)> FaultWeights(long campaign)
    {
        var weights = new Dictionary<long, (double, double)>();
        if (_readOnlyVersion != 0) return weights; // files before version 5 hold no weights
        using var cmd = Command("SELECT fault_index, p, q FROM faults WHERE campaign = $c AND p IS NOT NULL AND q IS NOT NULL;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) weights[r.GetInt64(0)] = (r.GetDouble(1), r.GetDouble(2));
        return weights;
    }

    internal void SetShard(long campaign, string shard)
    {
        using var cmd = Command("UPDATE campaigns SET shard = $s WHERE id = $c;");
        cmd.Parameters.AddWithValue("$s", shard);
        cmd.Parameters.AddWithValue("$c", campaign);
        cmd.ExecuteNonQuery();
    }

    // ---- faults, golden, outcomes

    public override IReadOnlyList<(long Index, string Fault)> Faults(long campaign)
    {
        var list = new List<(long, string)>();
        using var cmd = Command("SELECT fault_index, fault FROM faults WHERE campaign = $c ORDER BY fault_index;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add((r.GetInt64(0), r.GetString(1)));
        return list;
    }

    protected override void InsertGolden(long campaign, IReadOnlyList<GoldenPrediction> golden)
    {
        using var tx = _connection.BeginTransaction();
        using var cmd = Command("INSERT OR IGNORE INTO golden(campaign, image, label, top1) VALUES($c, $i, $l, $t);", tx);
        cmd.Parameters.AddWithValue("$c", campaign);
        var i = cmd.Parameters.Add("$i", SqliteType.Integer);
        var l = cmd.Parameters.Add("$l", SqliteType.Integer);
        var t = cmd.Parameters.Add("$t", SqliteType.Integer);
        cmd.Prepare();
        foreach (var g in golden)
        {
            i.Value = g.Image;
            l.Value = g.Label;
            t.Value = g.Top1;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public override IReadOnlyList<GoldenPrediction> Golden(long campaign)
    {
        var list = new List<GoldenPrediction>();
        using var cmd = Command("SELECT image, label, top1 FROM golden WHERE campaign = $c ORDER BY image;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add(new GoldenPrediction(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2)));
        return list;
    }

    /// <summary>Writes one batch of outcomes and their faulty predictions in one transaction. A fault already stored
    /// is left as it is (INSERT OR IGNORE), so replaying a batch after a crash counts nothing twice. Returns how many
    /// outcomes were new.</summary>
    public override int WriteBatch(long campaign, IReadOnlyList<StoredOutcome> batch)
    {
        if (batch.Count == 0) return 0;
        try { return WriteBatchOnce(campaign, batch); }
        catch (SqliteException e) { throw Explain(e); }
    }

    int WriteBatchOnce(long campaign, IReadOnlyList<StoredOutcome> batch)
    {
        // On a full disk SQLite rolls the transaction back itself; disposing it must not replace that error with
        // "cannot rollback - no transaction is active".
        var tx = _connection.BeginTransaction();
        try { return WriteBatchIn(campaign, batch, tx); }
        finally
        {
            try { tx.Dispose(); }
            catch (SqliteException) { }
        }
    }

    int WriteBatchIn(long campaign, IReadOnlyList<StoredOutcome> batch, SqliteTransaction tx)
    {
        using var outcome = Command("""
            INSERT OR IGNORE INTO outcomes(campaign, fault_index, images, golden_correct, faulty_correct, sdc, nonfinite, drop_pp, protection)
            VALUES($c, $f, $n, $g, $y, $s, $x, $d, $p);
            """, tx);
        outcome.Parameters.AddWithValue("$c", campaign);
        var f = outcome.Parameters.Add("$f", SqliteType.Integer);
        var n = outcome.Parameters.Add("$n", SqliteType.Integer);
        var g = outcome.Parameters.Add("$g", SqliteType.Integer);
        var y = outcome.Parameters.Add("$y", SqliteType.Integer);
        var s = outcome.Parameters.Add("$s", SqliteType.Integer);
        var x = outcome.Parameters.Add("$x", SqliteType.Integer);
        var d = outcome.Parameters.Add("$d", SqliteType.Real);
        var p = outcome.Parameters.Add("$p", SqliteType.Integer);
        outcome.Prepare();
        using var prediction = Command("INSERT OR IGNORE INTO predictions(campaign, fault_index, image, top1) VALUES($c, $f, $i, $t);", tx);
        prediction.Parameters.AddWithValue("$c", campaign);
        var pf = prediction.Parameters.Add("$f", SqliteType.Integer);
        var pi = prediction.Parameters.Add("$i", SqliteType.Integer);
        var pt = prediction.Parameters.Add("$t", SqliteType.Integer);
        prediction.Prepare();
        int added = 0;
        foreach (var o in batch)
        {
            f.Value = o.FaultIndex; n.Value = o.Images; g.Value = o.GoldenCorrect; y.Value = o.FaultyCorrect;
            s.Value = o.Sdc; x.Value = o.NonFinite; d.Value = o.Drop; p.Value = (int)o.Protection;
            if (outcome.ExecuteNonQuery() == 0) continue; // stored by an earlier run: its predictions are stored too
            added++;
            pf.Value = o.FaultIndex;
            foreach (var (image, top1) in o.Changed)
            {
                pi.Value = image;
                pt.Value = top1;
                prediction.ExecuteNonQuery();
            }
        }
        tx.Commit();
        return added;
    }

    public override HashSet<long> CompletedFaults(long campaign)
    {
        var done = new HashSet<long>();
        using var cmd = Command("SELECT fault_index FROM outcomes WHERE campaign = $c;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) done.Add(r.GetInt64(0));
        return done;
    }

    public override long OutcomeCount(long campaign)
    {
        using var cmd = Command("SELECT count(*) FROM outcomes WHERE campaign = $c;");
        cmd.Parameters.AddWithValue("$c", campaign);
        return (long)cmd.ExecuteScalar()!;
    }

    public override long FaultCount(long campaign)
    {
        using var cmd = Command("SELECT count(*) FROM faults WHERE campaign = $c;");
        cmd.Parameters.AddWithValue("$c", campaign);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>Outcomes with their fault text, by fault index.</summary>
    public override IEnumerable<OutcomeRow> Outcomes(long campaign)
    {
        using var cmd = Command("""
            SELECT o.fault_index, f.fault, o.images, o.golden_correct, o.faulty_correct, o.sdc, o.nonfinite
            FROM outcomes o JOIN faults f ON f.campaign = o.campaign AND f.fault_index = o.fault_index
            WHERE o.campaign = $c ORDER BY o.fault_index;
            """);
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read())
            yield return new OutcomeRow(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6));
    }

    /// <summary>How many stored outcomes a campaign's protection corrected (or outvoted) and detected; zeros for a
    /// campaign run without protection.</summary>
    public override (long Corrected, long Detected) ProtectionCounts(long campaign)
    {
        if (_readOnlyVersion is 1 or 2) return (0, 0); // no protection before version 3
        using var cmd = Command("SELECT coalesce(sum(protection = 1), 0), coalesce(sum(protection = 2), 0) FROM outcomes WHERE campaign = $c;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>The protection verdict of every stored outcome that did not simply run (by fault index).</summary>
    public override Dictionary<long, OutcomeProtection> ProtectedOutcomes(long campaign)
    {
        var map = new Dictionary<long, OutcomeProtection>();
        if (_readOnlyVersion is 1 or 2) return map;
        using var cmd = Command("SELECT fault_index, protection FROM outcomes WHERE campaign = $c AND protection <> 0;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) map[r.GetInt64(0)] = (OutcomeProtection)r.GetInt32(1);
        return map;
    }

    /// <summary>Sparse faulty predictions (only images whose top-1 differs from golden), by fault then image.</summary>
    public override IEnumerable<(long FaultIndex, int Image, int Top1)> Predictions(long campaign)
    {
        using var cmd = Command("SELECT fault_index, image, top1 FROM predictions WHERE campaign = $c ORDER BY fault_index, image;");
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read()) yield return (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2));
    }

    // ---- plumbing

    internal SqliteConnection Connection => _connection;

    internal SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    object? Scalar(string sql, SqliteTransaction? tx = null)
    {
        using var cmd = Command(sql, tx);
        return cmd.ExecuteScalar();
    }

    static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    protected override void Dispose(bool disposing) => _connection.Dispose();
}
