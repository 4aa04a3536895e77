// The PostgreSQL store against its SQLite twin: the same writes read back the same (settings, plan, golden,
// outcomes, predictions, description), replayed batches count nothing twice, migrations run once, a password in the
// URL is refused, and workers started together make one campaign. Needs the throwaway server (PostgresServer).
using Neutron.Results.Store;
using Neutron.Results.Tests.Store;
using Npgsql;

namespace Neutron.Results.Tests.Postgres;

public class PostgresStoreTests
{
    static StoredOutcome Outcome(long index, int sdc, OutcomeProtection p = OutcomeProtection.None) =>
        new(index, 4, 3, 3 - sdc, sdc, 0, Enumerable.Range(0, sdc).Select(i => (i, 7)).ToArray(), p);

    static (long, string)[] Faults(params long[] indices) => indices.Select(i => (i, $"weight:w@{i}#30")).ToArray();

    static readonly CampaignDescription Description = new()
    {
        Sites = [new SiteInfo("weight", "conv1.weight", "conv1", "Conv", "6x1x5x5"), new SiteInfo("weight", "Conv1.bias", "conv1", "Conv", "6")],
        StratumSizes = new Dictionary<string, long> { ["conv1"] = 150, ["fc"] = 840 },
        ClassNames = ["T-shirt", "Trouser"],
    };

    /// <summary>The same writes on a store; what it reads back, as text to compare.</summary>
    static string WriteAndRead(CampaignStore store)
    {
        var settings = CampaignStoreTests.Settings() with { Seed = ulong.MaxValue - 3, Protection = "{\"scheme\":\"ecc-all\"}", Created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero) };
        long id = store.CreateCampaign(settings, Faults(0, 1, 2, 3, 4, 5), Description);
        store.WriteGolden(id, [new(0, 1, 1), new(1, 2, 2), new(2, 3, 3), new(3, 0, 1)]);
        store.WriteGolden(id, [new(0, 1, 1)]);
        Assert.Equal(2, store.WriteBatch(id, [Outcome(0, 1), Outcome(1, 0, OutcomeProtection.Corrected)]));
        Assert.Equal(1, store.WriteBatch(id, [Outcome(1, 2), Outcome(2, 3)])); // fault 1 replayed: left as it was
        Assert.Equal(1, store.WriteBatch(id, [Outcome(5, 0, OutcomeProtection.Detected)]));
        Assert.Throws<StoreException>(() => store.WriteGolden(id, [new(0, 1, 2)]));
        Assert.Equal(id, store.SingleCampaign());
        var s = store.Settings(id);
        var d = store.Description(id);
        return string.Join("\n",
            s, s.Created.ToUnixTimeMilliseconds(),
            string.Join(";", store.Faults(id)), string.Join(";", store.Golden(id)),
            string.Join(";", store.Outcomes(id)), string.Join(";", store.Predictions(id)),
            string.Join(";", store.CompletedFaults(id).Order()), store.OutcomeCount(id), store.FaultCount(id),
            store.ProtectionCounts(id), string.Join(";", store.ProtectedOutcomes(id).OrderBy(p => p.Key)),
            string.Join(";", d.Sites), string.Join(";", d.StratumSizes.OrderBy(p => p.Key, StringComparer.Ordinal)), string.Join(";", d.ClassNames));
    }

    [PostgresFact]
    public void ReadsBackWhatTheSqliteStoreReadsBack()
    {
        using var dir = new TempDirectory();
        string sqlite, postgres;
        using (var store = CampaignStore.Open(dir.File("a.db"), create: true)) sqlite = WriteAndRead(store);
        using (var store = CampaignStore.Open(PostgresServer.Instance!.NewDatabase(), create: true))
        {
            Assert.IsType<PostgresCampaignStore>(store);
            postgres = WriteAndRead(store);
        }
        Assert.Equal(sqlite, postgres);
        Assert.Contains("Detected", postgres); // the comparison covers the protection verdicts
    }

    [PostgresFact]
    public void MigratesOnceAndRefusesANewerSchema()
    {
        string url = PostgresServer.Instance!.NewDatabase();
        var missing = Assert.Throws<StoreException>(() => CampaignStore.Open(url, create: false));
        Assert.Contains("holds no campaign", missing.Message);
        using (var store = CampaignStore.Open(url, create: true)) store.CreateCampaign(CampaignStoreTests.Settings(), Faults(0, 1, 2, 3, 4, 5));
        using (var again = CampaignStore.Open(url, create: true)) Assert.Single(again.Campaigns()); // no second migration
        Execute(url, "UPDATE neutron_schema SET version = version + 1;");
        var newer = Assert.Throws<StoreException>(() => CampaignStore.Open(url, create: false));
        Assert.Contains($"schema version {PostgresCampaignStore.SchemaVersion + 1}", newer.Message);
    }

    [Fact]
    public void UrlWithAPasswordIsRefused()
    {
        var e = Assert.Throws<StoreException>(() => PostgresCampaignStore.ParseUrl("postgresql://me:secret@db.example:5433/runs"));
        Assert.DoesNotContain("secret", e.Message + e.Hint);
        Assert.Contains("PGPASSWORD", e.Hint);
        Assert.Throws<StoreException>(() => PostgresCampaignStore.ParseUrl("postgresql://me@db.example/"));
        var (builder, display) = PostgresCampaignStore.ParseUrl("postgresql://me@db.example:5433/runs");
        Assert.Equal(("db.example", 5433, "runs", "me"), (builder.Host, builder.Port, builder.Database, builder.Username));
        Assert.Equal("postgresql://me@db.example:5433/runs", display);
        Assert.Null(builder.Password);
    }

    [PostgresFact]
    public void WorkersStartedTogetherMakeOneCampaign()
    {
        string url = PostgresServer.Instance!.NewDatabase();
        using (CampaignStore.Open(url, create: true)) { } // the tables; the race below is over the campaign
        var ids = new long[6];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, k =>
        {
            using var store = CampaignStore.Open(url, create: true);
            ids[k] = store.FindOrCreateCampaign(CampaignStoreTests.Settings(), () => Faults(0, 1, 2, 3, 4, 5)).Id;
        });
        Assert.Single(ids.Distinct());
        using var check = CampaignStore.Open(url, create: false);
        Assert.Single(check.Campaigns());
        Assert.Equal(6, check.FaultCount(ids[0]));
        Assert.Throws<StoreException>(() => check.FindOrCreateCampaign(CampaignStoreTests.Settings(sha: "other"), () => Faults(0)));
    }

    [PostgresFact]
    public void TheIntegrityCheckRefusesADamagedCampaign()
    {
        string url = PostgresServer.Instance!.NewDatabase();
        long id;
        using (var store = CampaignStore.Open(url, create: true))
        {
            id = store.CreateCampaign(CampaignStoreTests.Settings(), Faults(0, 1, 2, 3, 4, 5));
            store.WriteBatch(id, [Outcome(0, 1)]);
        }
        Execute(url, "DELETE FROM predictions;");
        using var again = CampaignStore.Open(url, create: false);
        var e = Assert.Throws<StoreException>(() => again.SingleCampaign());
        Assert.Contains("SDC counts", e.Message);
    }

    internal static void Execute(string url, string sql)
    {
        var (builder, _) = PostgresCampaignStore.ParseUrl(url);
        builder.Pooling = false;
        using var c = new NpgsqlConnection(builder.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }
}
