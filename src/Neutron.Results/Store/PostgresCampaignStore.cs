// The PostgreSQL campaign store (DESIGN §6), for many workers on many machines: the SQLite store's tables and
// semantics (one transaction per batch, writes idempotent by (campaign, fault index), campaigns found or created
// once), on a server named by `postgresql://USER@HOST[:PORT]/DB`. The password comes from PGPASSWORD or a pgpass
// file, never from the URL. Its twin for one machine is SqliteCampaignStore; the work leases are in .Leases.cs.
using System.Globalization;
using Npgsql;

namespace Neutron.Results.Store;

public sealed partial class PostgresCampaignStore : CampaignStore
{
    readonly NpgsqlDataSource _source;

    /// <summary>Faults per leased chunk when a plan is written.</summary>
    public int ChunkSize { get; init; } = 256;

    PostgresCampaignStore(string display, NpgsqlDataSource source) : base(display) => _source = source;

    /// <summary>Opens the server's store; creates or upgrades its tables when <paramref name="create"/> is set.</summary>
    public static new PostgresCampaignStore Open(string url, bool create) => Open(url, create, 256);

    public static PostgresCampaignStore Open(string url, bool create, int chunkSize)
    {
        var (builder, display) = ParseUrl(url);
        var source = NpgsqlDataSource.Create(builder);
        var store = new PostgresCampaignStore(display, source) { ChunkSize = chunkSize };
        try
        {
            store.EnsureSchema(create);
            return store;
        }
        catch (NpgsqlException e)
        {
            store.Dispose();
            throw store.Explain(e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>`postgresql://USER@HOST[:PORT]/DB` as connection settings, and the URL as messages show it. A password
    /// in the URL is refused: it would sit in shell histories and process lists.</summary>
    public static (NpgsqlConnectionStringBuilder Builder, string Display) ParseUrl(string url)
    {
        const string Form = "write it as postgresql://USER@HOST[:PORT]/DB; the password comes from PGPASSWORD or ~/.pgpass";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres") || uri.Host.Length == 0)
            throw new StoreException($"'{url}' is not a PostgreSQL URL", Form);
        string[] user = uri.UserInfo.Split(':', 2);
        if (user.Length == 2)
            throw new StoreException("the --db URL carries a password", "remove it from the URL; give it in PGPASSWORD or a pgpass file (~/.pgpass, mode 0600)");
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/'))
            throw new StoreException($"'{url}' names no database", Form);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
            // Many workers each hold a connection or two; a worker that dies frees its own at once (TCP close).
            MaxPoolSize = 8,
            Timeout = 30,
            CommandTimeout = 0,
        };
        if (user[0].Length > 0) builder.Username = Uri.UnescapeDataString(user[0]);
        string display = $"postgresql://{(user[0].Length > 0 ? user[0] + "@" : "")}{uri.Host}{(uri.IsDefaultPort || uri.Port <= 0 ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture))}/{database}";
        return (builder, display);
    }

    // ---- campaigns

    public override IReadOnlyList<(long Id, CampaignSettings Settings)> Campaigns()
    {
        try
        {
            using var connection = _source.OpenConnection();
            return Campaigns(connection, null);
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    IReadOnlyList<(long Id, CampaignSettings Settings)> Campaigns(NpgsqlConnection connection, NpgsqlTransaction? tx)
    {
        var list = new List<(long, CampaignSettings)>();
        using var cmd = new NpgsqlCommand("SELECT id, tool_version, model_path, model_sha256, data_spec, images, format, target, fault_model, site_filter, planner, seed, kernel_set, shard, plan_size, created, datapath, protection, memory_budget FROM campaigns ORDER BY id;", connection, tx);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add((r.GetInt64(0), new CampaignSettings
            {
                ToolVersion = r.GetString(1), ModelPath = r.GetString(2), ModelSha256 = r.GetString(3), DataSpec = r.GetString(4),
                Images = r.GetInt32(5), Format = r.GetString(6), Target = r.GetString(7), FaultModel = r.GetString(8),
                Sites = SiteFilterJson.Read(r.GetString(9)), Planner = r.GetString(10), Seed = unchecked((ulong)r.GetInt64(11)), KernelSet = r.GetString(12),
                Shard = r.GetString(13), PlanSize = r.GetInt64(14), Datapath = r.GetString(16), Protection = r.GetString(17), MemoryBudget = r.GetInt64(18),
                Created = DateTimeOffset.TryParse(r.GetString(15), CultureInfo.InvariantCulture, DateTimeStyles.None, out var created) ? created
                    : throw new StoreException($"campaign {r.GetInt64(0)} in '{Path}' has a damaged creation time", Damaged),
            }));
        }
        return list;
    }

    public override long CreateCampaign(CampaignSettings settings, IReadOnlyList<(long Index, string Fault)> faults, CampaignDescription? description = null) =>
        InTransaction((c, tx) => InsertCampaign(settings, faults, description, c, tx));

    public override (long Id, bool Created) FindOrCreateCampaign(CampaignSettings settings, Func<IReadOnlyList<(long Index, string Fault)>> faults, CampaignDescription? description = null,
        IReadOnlyDictionary<long, (double P, double Q)>? weights = null) =>
        InTransaction((c, tx) =>
        {
            // Workers started together on an empty server: the lock makes one of them write the plan.
            Execute(c, tx, $"SELECT pg_advisory_xact_lock({CampaignsLock});");
            var all = Campaigns(c, tx);
            foreach (var (id, existing) in all)
                if (existing.SameCampaignAs(settings) && existing.Shard == settings.Shard) return (id, false);
            if (all.Count > 0)
                throw new StoreException($"'{Path}' already holds a different campaign ({all[^1].Settings.FirstDifference(settings)})",
                    $"continue it with `neutron worker --db {Path}`, or give this one another database");
            long created = InsertCampaign(settings, faults(), description, c, tx);
            if (weights is not null) InsertWeights(created, weights, c, tx);
            return (created, true);
        });

    long InsertCampaign(CampaignSettings settings, IReadOnlyList<(long Index, string Fault)> faults, CampaignDescription? description, NpgsqlConnection c, NpgsqlTransaction tx)
    {
        using var insert = new NpgsqlCommand("""
            INSERT INTO campaigns(tool_version, model_path, model_sha256, data_spec, images, format, datapath, target, fault_model, site_filter, planner, seed, kernel_set, shard, plan_size, created, protection, memory_budget)
            VALUES(@tool, @path, @sha, @data, @images, @format, @datapath, @target, @model, @filters, @planner, @seed, @kernels, @shard, @size, @created, @protection, @memory) RETURNING id;
            """, c, tx);
        var p = insert.Parameters;
        p.AddWithValue("tool", settings.ToolVersion);
        p.AddWithValue("path", settings.ModelPath);
        p.AddWithValue("sha", settings.ModelSha256);
        p.AddWithValue("data", settings.DataSpec);
        p.AddWithValue("images", settings.Images);
        p.AddWithValue("format", settings.Format);
        p.AddWithValue("datapath", settings.Datapath);
        p.AddWithValue("target", settings.Target);
        p.AddWithValue("model", settings.FaultModel);
        p.AddWithValue("filters", SiteFilterJson.Write(settings.Sites));
        p.AddWithValue("planner", settings.Planner);
        p.AddWithValue("seed", unchecked((long)settings.Seed));
        p.AddWithValue("kernels", settings.KernelSet);
        p.AddWithValue("shard", settings.Shard);
        p.AddWithValue("size", settings.PlanSize);
        p.AddWithValue("created", settings.Created.ToString("O", CultureInfo.InvariantCulture));
        p.AddWithValue("protection", settings.Protection);
        p.AddWithValue("memory", settings.MemoryBudget);
        long id = (long)insert.ExecuteScalar()!;
        InsertFaults(id, faults, c, tx);
        if (description is not null) InsertDescription(id, description, c, tx);
        return id;
    }

    public override void AddFaults(long campaign, IReadOnlyList<(long Index, string Fault)> faults) =>
        InTransaction((c, tx) => { InsertFaults(campaign, faults, c, tx); return 0; });

    /// <summary>Stores faults (arrays of 10,000 per statement) and the chunks that lease them: the new indices in
    /// order, <see cref="ChunkSize"/> at a time, each chunk the range from its first to its last index.</summary>
    void InsertFaults(long campaign, IReadOnlyList<(long Index, string Fault)> faults, NpgsqlConnection c, NpgsqlTransaction tx)
    {
        var added = new List<long>(faults.Count);
        for (int start = 0; start < faults.Count; start += 10_000)
        {
            int n = Math.Min(10_000, faults.Count - start);
            var indices = new long[n];
            var texts = new string[n];
            for (int k = 0; k < n; k++) (indices[k], texts[k]) = faults[start + k];
            using var cmd = new NpgsqlCommand("""
                INSERT INTO faults(campaign, fault_index, fault) SELECT @c, i, f FROM unnest(@i, @f) AS t(i, f)
                ON CONFLICT DO NOTHING RETURNING fault_index;
                """, c, tx);
            cmd.Parameters.AddWithValue("c", campaign);
            cmd.Parameters.AddWithValue("i", indices);
            cmd.Parameters.AddWithValue("f", texts);
            using var r = cmd.ExecuteReader();
            while (r.Read()) added.Add(r.GetInt64(0));
        }
        added.Sort();
        var firsts = new List<long>();
        var lasts = new List<long>();
        for (int k = 0; k < added.Count; k += ChunkSize)
        {
            firsts.Add(added[k]);
            lasts.Add(added[Math.Min(k + ChunkSize, added.Count) - 1]);
        }
        using var chunks = new NpgsqlCommand("""
            INSERT INTO chunks(campaign, chunk, first_index, last_index)
            SELECT @c, coalesce((SELECT max(chunk) FROM chunks WHERE campaign = @c), 0) + o, f, l FROM unnest(@f, @l) WITH ORDINALITY AS t(f, l, o);
            """, c, tx);
        chunks.Parameters.AddWithValue("c", campaign);
        chunks.Parameters.AddWithValue("f", firsts.ToArray());
        chunks.Parameters.AddWithValue("l", lasts.ToArray());
        chunks.ExecuteNonQuery();
    }

    // ---- faults, golden, outcomes

    public override IReadOnlyList<(long Index, string Fault)> Faults(long campaign) =>
        Read("SELECT fault_index, fault FROM faults WHERE campaign = @c ORDER BY fault_index;", campaign, r => (r.GetInt64(0), r.GetString(1)));

    protected override void InsertGolden(long campaign, IReadOnlyList<GoldenPrediction> golden) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            INSERT INTO golden(campaign, image, label, top1) SELECT @c, i, l, t FROM unnest(@i, @l, @t) AS g(i, l, t) ON CONFLICT DO NOTHING;
            """, c, tx);
        cmd.Parameters.AddWithValue("c", campaign);
        cmd.Parameters.AddWithValue("i", golden.Select(g => g.Image).ToArray());
        cmd.Parameters.AddWithValue("l", golden.Select(g => g.Label).ToArray());
        cmd.Parameters.AddWithValue("t", golden.Select(g => g.Top1).ToArray());
        cmd.ExecuteNonQuery();
        return 0;
    });

    public override IReadOnlyList<GoldenPrediction> Golden(long campaign) =>
        Read("SELECT image, label, top1 FROM golden WHERE campaign = @c ORDER BY image;", campaign, r => new GoldenPrediction(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2)));

    public override int WriteBatch(long campaign, IReadOnlyList<StoredOutcome> batch) =>
        batch.Count == 0 ? 0 : InTransaction((c, tx) => WriteBatchIn(campaign, batch, c, tx));

    /// <summary>Outcomes with ON CONFLICT DO NOTHING; predictions only for the outcomes that were new (a replayed
    /// fault's predictions are stored already).</summary>
    static int WriteBatchIn(long campaign, IReadOnlyList<StoredOutcome> batch, NpgsqlConnection c, NpgsqlTransaction tx)
    {
        if (batch.Count == 0) return 0;
        using var outcome = new NpgsqlCommand("""
            INSERT INTO outcomes(campaign, fault_index, images, golden_correct, faulty_correct, sdc, nonfinite, drop_pp, protection)
            SELECT @c, f, n, g, y, s, x, d, p FROM unnest(@f, @n, @g, @y, @s, @x, @d, @p) AS o(f, n, g, y, s, x, d, p)
            ON CONFLICT DO NOTHING RETURNING fault_index;
            """, c, tx);
        outcome.Parameters.AddWithValue("c", campaign);
        outcome.Parameters.AddWithValue("f", batch.Select(o => o.FaultIndex).ToArray());
        outcome.Parameters.AddWithValue("n", batch.Select(o => o.Images).ToArray());
        outcome.Parameters.AddWithValue("g", batch.Select(o => o.GoldenCorrect).ToArray());
        outcome.Parameters.AddWithValue("y", batch.Select(o => o.FaultyCorrect).ToArray());
        outcome.Parameters.AddWithValue("s", batch.Select(o => o.Sdc).ToArray());
        outcome.Parameters.AddWithValue("x", batch.Select(o => o.NonFinite).ToArray());
        outcome.Parameters.AddWithValue("d", batch.Select(o => o.Drop).ToArray());
        outcome.Parameters.AddWithValue("p", batch.Select(o => (int)o.Protection).ToArray());
        var added = new HashSet<long>();
        using (var r = outcome.ExecuteReader())
            while (r.Read()) added.Add(r.GetInt64(0));
        var (pf, pi, pt) = (new List<long>(), new List<int>(), new List<int>());
        foreach (var o in batch)
        {
            if (!added.Contains(o.FaultIndex)) continue;
            foreach (var (image, top1) in o.Changed)
            {
                pf.Add(o.FaultIndex);
                pi.Add(image);
                pt.Add(top1);
            }
        }
        if (pf.Count > 0)
        {
            using var prediction = new NpgsqlCommand("""
                INSERT INTO predictions(campaign, fault_index, image, top1) SELECT @c, f, i, t FROM unnest(@f, @i, @t) AS p(f, i, t) ON CONFLICT DO NOTHING;
                """, c, tx);
            prediction.Parameters.AddWithValue("c", campaign);
            prediction.Parameters.AddWithValue("f", pf.ToArray());
            prediction.Parameters.AddWithValue("i", pi.ToArray());
            prediction.Parameters.AddWithValue("t", pt.ToArray());
            prediction.ExecuteNonQuery();
        }
        return added.Count;
    }

    public override HashSet<long> CompletedFaults(long campaign) =>
        [.. Read("SELECT fault_index FROM outcomes WHERE campaign = @c;", campaign, r => r.GetInt64(0))];

    public override long OutcomeCount(long campaign) => Count("SELECT count(*) FROM outcomes WHERE campaign = @c;", campaign, 0);

    public override long FaultCount(long campaign) => Count("SELECT count(*) FROM faults WHERE campaign = @c;", campaign, 0);

    public override IEnumerable<OutcomeRow> Outcomes(long campaign) => Stream("""
        SELECT o.fault_index, f.fault, o.images, o.golden_correct, o.faulty_correct, o.sdc, o.nonfinite
        FROM outcomes o JOIN faults f ON f.campaign = o.campaign AND f.fault_index = o.fault_index
        WHERE o.campaign = @c ORDER BY o.fault_index;
        """, campaign, r => new OutcomeRow(r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6)));

    public override (long Corrected, long Detected) ProtectionCounts(long campaign) =>
        (Count("SELECT count(*) FROM outcomes WHERE campaign = @c AND protection = 1;", campaign, 0),
         Count("SELECT count(*) FROM outcomes WHERE campaign = @c AND protection = 2;", campaign, 0));

    public override Dictionary<long, OutcomeProtection> ProtectedOutcomes(long campaign) =>
        Read("SELECT fault_index, protection FROM outcomes WHERE campaign = @c AND protection <> 0;", campaign, r => (r.GetInt64(0), (OutcomeProtection)r.GetInt32(1)))
            .ToDictionary(p => p.Item1, p => p.Item2);

    public override IEnumerable<(long FaultIndex, int Image, int Top1)> Predictions(long campaign) =>
        Stream("SELECT fault_index, image, top1 FROM predictions WHERE campaign = @c ORDER BY fault_index, image;", campaign, r => (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2)));

    // ---- plumbing

    /// <summary>Advisory lock keys (first of the pair): campaigns created once; one adaptive round decided once.</summary>
    const int CampaignsLock = 0x4E54_0001, RoundLock = 0x4E54_0002;

    T InTransaction<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> work)
    {
        try
        {
            using var c = _source.OpenConnection();
            using var tx = c.BeginTransaction();
            T result = work(c, tx);
            tx.Commit();
            return result;
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    /// <summary>All rows of a query on one campaign, read before the connection returns to the pool.</summary>
    List<T> Read<T>(string sql, long campaign, Func<NpgsqlDataReader, T> row)
    {
        try
        {
            using var c = _source.OpenConnection();
            using var cmd = new NpgsqlCommand(sql, c);
            cmd.Parameters.AddWithValue("c", campaign);
            using var r = cmd.ExecuteReader();
            var list = new List<T>();
            while (r.Read()) list.Add(row(r));
            return list;
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    /// <summary>The rows of a query on one campaign as they arrive (a campaign's outcomes and predictions may not fit
    /// in memory); the connection stays open until the enumeration ends or is disposed.</summary>
    IEnumerable<T> Stream<T>(string sql, long campaign, Func<NpgsqlDataReader, T> row)
    {
        // A yield may not sit in a try with a catch: each server call is wrapped on its own instead.
        using var c = Server(() => _source.OpenConnection());
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.Parameters.AddWithValue("c", campaign);
        using var r = Server(() => cmd.ExecuteReader());
        while (Server(r.Read)) yield return row(r);
    }

    T Server<T>(Func<T> call)
    {
        try { return call(); }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    protected override long Count(string sql, long campaign, long images, long extra = 0)
    {
        try
        {
            using var c = _source.OpenConnection();
            using var cmd = new NpgsqlCommand(sql, c);
            if (sql.Contains("@c", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("c", campaign);
            if (sql.Contains("@n", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("n", images);
            if (sql.Contains("@g", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("g", extra);
            return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException e) { throw Explain(e); }
    }

    static void Execute(NpgsqlConnection c, NpgsqlTransaction? tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.ExecuteNonQuery();
    }

    /// <summary>A server error as the user should read it: which server, what happened, what to do.</summary>
    public StoreException Explain(NpgsqlException e) => e switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => new StoreException($"'{Path}' refused the login: {e.Message}",
            "give the password in PGPASSWORD or a pgpass file (~/.pgpass, mode 0600), and check the user name", e),
        PostgresException { SqlState: "3D000" } => new StoreException($"'{Path}': the database does not exist", "create it first (`createdb NAME`), or check the URL", e),
        PostgresException { SqlState: "53100" } => new StoreException($"the server behind '{Path}' has no disk space left", "free space on the server, then run the workers again: nothing committed is lost", e),
        PostgresException p => new StoreException($"'{Path}': {p.MessageText}", "check the server's log; committed chunks are kept", e),
        _ => new StoreException($"cannot reach '{Path}': {e.Message}", "check that the server runs and the host and port are right (psql with the same URL)", e),
    };

    protected override void Dispose(bool disposing) => _source.Dispose();
}
