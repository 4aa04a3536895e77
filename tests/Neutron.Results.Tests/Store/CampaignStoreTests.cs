// The SQLite store: schema and version checks, idempotent batches (a replayed batch counts nothing twice),
// resume bookkeeping, golden consistency, and shard merging.
using Microsoft.Data.Sqlite;
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Store;

public class CampaignStoreTests
{
    internal static CampaignSettings Settings(string shard = "1/1", string sha = "abc123") => new()
    {
        ToolVersion = "0.1.0", ModelPath = "/m/lenet5.onnx", ModelSha256 = sha, DataSpec = "idx:x", Images = 4, Format = "fp32",
        Target = "weights", FaultModel = "flip", Sites = Neutron.Faults.Sites.SiteFilter.All, Planner = "random:6", Seed = 42, KernelSet = "scalar",
        Shard = shard, PlanSize = 6,
    };

    static StoredOutcome Outcome(long index, int sdc) => new(index, 4, 3, 3 - sdc, sdc, 0, Enumerable.Range(0, sdc).Select(i => (i, 7)).ToArray());

    static (long, string)[] Faults(params long[] indices) => indices.Select(i => (i, $"weight:w@{i}#30")).ToArray();

    [Fact]
    public void SqliteRuntimeLoadsWithWal()
    {
        using var dir = new TempDirectory();
        using var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true);
        using var cmd = store.Connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteCampaignStore.SchemaVersion, cmd.ExecuteScalar());
    }

    [Fact]
    public void SettingsRoundTrip()
    {
        using var dir = new TempDirectory();
        var settings = Settings() with { Seed = ulong.MaxValue - 3 };
        long id;
        using (var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true)) id = store.CreateCampaign(settings with { PlanSize = 3 }, Faults(0, 1, 2));
        using var again = SqliteCampaignStore.Open(dir.File("a.db"), create: false);
        var read = again.Settings(again.SingleCampaign());
        Assert.True(read.SameCampaignAs(settings with { PlanSize = 3 }));
        Assert.Equal(settings.Seed, read.Seed);
        Assert.Equal(settings.Created, read.Created);
        Assert.Equal(3, again.Faults(id).Count);
    }

    [Fact]
    public void ReplayedBatchCountsNothingTwice()
    {
        using var dir = new TempDirectory();
        using var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true);
        long id = store.CreateCampaign(Settings(), Faults(0, 1, 2, 3));
        Assert.Equal(2, store.WriteBatch(id, [Outcome(0, 1), Outcome(1, 0)]));
        // A crash between running and recording makes the resumed run replay fault 1; it must stay as it was.
        Assert.Equal(1, store.WriteBatch(id, [Outcome(1, 2), Outcome(2, 3)]));
        var rows = store.Outcomes(id).ToList();
        Assert.Equal([0L, 1L, 2L], rows.Select(r => r.FaultIndex));
        Assert.Equal(0, rows[1].Sdc);
        Assert.Equal([(0L, 0, 7), (2L, 0, 7), (2L, 1, 7), (2L, 2, 7)], store.Predictions(id));
        Assert.Equal(new HashSet<long> { 0, 1, 2 }, store.CompletedFaults(id));
        Assert.Equal(25.0, rows[0].Drop);
    }

    [Fact]
    public void MissingFileAndForeignFileAreRefused()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<StoreException>(() => SqliteCampaignStore.Open(dir.File("none.db"), create: false));
        Assert.Contains("does not exist", missing.Message);
        File.WriteAllText(dir.File("text.db"), "this is not sqlite at all, just some text that is long enough to have a header");
        Assert.Throws<StoreException>(() => SqliteCampaignStore.Open(dir.File("text.db"), create: false));
        using (var c = new SqliteConnection($"Data Source={dir.File("other.db")};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t(x);";
            cmd.ExecuteNonQuery();
        }
        var foreign = Assert.Throws<StoreException>(() => SqliteCampaignStore.Open(dir.File("other.db"), create: true));
        Assert.Contains("not a Neutron campaign database", foreign.Message);
    }

    [Fact]
    public void DatapathRoundTripsAndTellsCampaignsApart()
    {
        using var dir = new TempDirectory();
        var settings = Settings() with { Format = "fxp8.6", Datapath = "fxp16.10" };
        using var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true);
        long id = store.CreateCampaign(settings, Faults(0));
        Assert.Equal("fxp16.10", store.Settings(id).Datapath);
        Assert.False(settings.SameCampaignAs(settings with { Datapath = "fp32" }));
        Assert.Equal("datapath: fxp16.10 vs fp32", settings.FirstDifference(settings with { Datapath = "fp32" }));
    }

    [Fact]
    public void VersionOneDatabasesOpenWithTheirFormatAsDatapath()
    {
        // A file as version 1 wrote it: no datapath column; its campaigns computed activations in their format.
        using var dir = new TempDirectory();
        string path = dir.File("v1.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE IF NOT EXISTS campaigns(
                    id INTEGER PRIMARY KEY, tool_version TEXT NOT NULL, model_path TEXT NOT NULL, model_sha256 TEXT NOT NULL,
                    data_spec TEXT NOT NULL, images INTEGER NOT NULL, format TEXT NOT NULL, target TEXT NOT NULL,
                    fault_model TEXT NOT NULL, filters TEXT NOT NULL, planner TEXT NOT NULL, seed INTEGER NOT NULL,
                    kernel_set TEXT NOT NULL, shard TEXT NOT NULL, plan_size INTEGER NOT NULL, created TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS faults(
                    campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, fault TEXT NOT NULL,
                    PRIMARY KEY(campaign, fault_index)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS golden(
                    campaign INTEGER NOT NULL REFERENCES campaigns(id), image INTEGER NOT NULL, label INTEGER NOT NULL, top1 INTEGER NOT NULL,
                    PRIMARY KEY(campaign, image)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS outcomes(
                    campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, images INTEGER NOT NULL,
                    golden_correct INTEGER NOT NULL, faulty_correct INTEGER NOT NULL, sdc INTEGER NOT NULL, nonfinite INTEGER NOT NULL,
                    drop_pp REAL NOT NULL,
                    PRIMARY KEY(campaign, fault_index)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS predictions(
                    campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, image INTEGER NOT NULL, top1 INTEGER NOT NULL,
                    PRIMARY KEY(campaign, fault_index, image)) WITHOUT ROWID;
                INSERT INTO campaigns(tool_version, model_path, model_sha256, data_spec, images, format, target, fault_model, filters,
                    planner, seed, kernel_set, shard, plan_size, created)
                VALUES('0.1.0', '/m/lenet5.onnx', 'abc123', 'idx:x', 4, 'fxp8.6', 'weights', 'flip', '', 'random:6', 42, 'scalar',
                    '1/1', 6, '2026-01-01T00:00:00.0000000+00:00');
                INSERT INTO faults VALUES(1, 0, 'weight:w@0#3');
                PRAGMA user_version = 1;
                """;
            cmd.ExecuteNonQuery();
        }
        using (var store = SqliteCampaignStore.Open(path, create: false))
        {
            var (id, old) = Assert.Single(store.Campaigns());
            Assert.Equal("fxp8.6", old.Format);
            Assert.Equal("fxp8.6", old.Datapath);
            Assert.Equal(1, store.FaultCount(id));
            long added = store.CreateCampaign(Settings(), Faults(0));
            Assert.Equal("fp32", store.Settings(added).Datapath);
        }
        using var again = SqliteCampaignStore.Open(path, create: false);
        using var version = again.Connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteCampaignStore.SchemaVersion, version.ExecuteScalar());
    }

    [Fact]
    public void NewerSchemaIsRefused()
    {
        using var dir = new TempDirectory();
        using (var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true))
        using (var cmd = store.Connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA user_version = 99;";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<StoreException>(() => SqliteCampaignStore.Open(dir.File("a.db"), create: false));
        Assert.Contains("schema version 99", e.Message);
    }

    [Fact]
    public void ContradictingGoldenIsRefused()
    {
        using var dir = new TempDirectory();
        using var store = SqliteCampaignStore.Open(dir.File("a.db"), create: true);
        long id = store.CreateCampaign(Settings(), Faults(0));
        store.WriteGolden(id, [new(0, 3, 3), new(1, 5, 2)]);
        store.WriteGolden(id, [new(0, 3, 3), new(1, 5, 2)]);
        Assert.Equal(2, store.Golden(id).Count);
        Assert.Throws<StoreException>(() => store.WriteGolden(id, [new(1, 5, 4)]));
    }

    [Fact]
    public void MergedShardsEqualOneRun()
    {
        using var dir = new TempDirectory();
        GoldenPrediction[] golden = [new(0, 1, 1), new(1, 2, 2), new(2, 0, 5), new(3, 4, 4)];
        var all = Enumerable.Range(0, 6).Select(i => Outcome(i, i % 3)).ToArray();
        using (var whole = SqliteCampaignStore.Open(dir.File("whole.db"), create: true))
        {
            long id = whole.CreateCampaign(Settings(), Faults(0, 1, 2, 3, 4, 5));
            whole.WriteGolden(id, golden);
            whole.WriteBatch(id, all);
        }
        var shardFiles = new List<string>();
        for (int k = 1; k <= 3; k++)
        {
            string file = dir.File($"s{k}.db");
            shardFiles.Add(file);
            using var shard = SqliteCampaignStore.Open(file, create: true);
            var mine = all.Where(o => o.FaultIndex % 3 == k - 1).ToArray();
            long id = shard.CreateCampaign(Settings($"{k}/3"), Faults(mine.Select(o => o.FaultIndex).ToArray()));
            shard.WriteGolden(id, golden);
            shard.WriteBatch(id, mine);
        }
        ShardMerger.Merge(dir.File("merged.db"), shardFiles);
        ShardMerger.Merge(dir.File("merged.db"), shardFiles[..1]); // merging again is harmless

        using var a = SqliteCampaignStore.Open(dir.File("whole.db"), create: false);
        using var b = SqliteCampaignStore.Open(dir.File("merged.db"), create: false);
        long ia = a.SingleCampaign(), ib = b.SingleCampaign();
        Assert.Equal(a.Outcomes(ia), b.Outcomes(ib));
        Assert.Equal(a.Predictions(ia), b.Predictions(ib));
        Assert.Equal(a.Golden(ia), b.Golden(ib));
        Assert.Equal("merged:1,2,3/3", b.Settings(ib).Shard);
    }

    [Fact]
    public void MergeRefusesAnotherCampaign()
    {
        using var dir = new TempDirectory();
        using (var s1 = SqliteCampaignStore.Open(dir.File("s1.db"), create: true)) s1.CreateCampaign(Settings("1/2"), Faults(0));
        using (var s2 = SqliteCampaignStore.Open(dir.File("s2.db"), create: true)) s2.CreateCampaign(Settings("2/2", sha: "fff"), Faults(1));
        var e = Assert.Throws<StoreException>(() => ShardMerger.Merge(dir.File("m.db"), [dir.File("s1.db"), dir.File("s2.db")]));
        Assert.Contains("model SHA-256", e.Message);
    }

    [Fact]
    public void VersionTwoDatabasesGainTheProtectionColumns()
    {
        // A file as version 2 wrote it: no protection columns; none of its campaigns ran protected.
        using var dir = new TempDirectory();
        string path = dir.File("v2.db");
        using (var store = SqliteCampaignStore.Open(path, create: true))
        {
            long id = store.CreateCampaign(Settings(), Faults(0, 1));
            store.WriteBatch(id, [new StoredOutcome(0, 4, 3, 2, 1, 0, [(0, 5)])]);
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "ALTER TABLE outcomes DROP COLUMN protection; ALTER TABLE campaigns DROP COLUMN protection; "
                + "ALTER TABLE campaigns ADD COLUMN filters TEXT NOT NULL DEFAULT 'layer=;op=;bits=0-31'; ALTER TABLE campaigns DROP COLUMN site_filter; "
                + "ALTER TABLE campaigns DROP COLUMN memory_budget; ALTER TABLE faults DROP COLUMN p; ALTER TABLE faults DROP COLUMN q; PRAGMA user_version = 2;";
            cmd.ExecuteNonQuery();
        }
        using (var store = SqliteCampaignStore.Open(path, create: false))
        {
            var (id, old) = Assert.Single(store.Campaigns());
            Assert.Equal("", old.Protection);
            Assert.Equal((0L, 0L), store.ProtectionCounts(id));
            store.WriteBatch(id, [new StoredOutcome(1, 4, 3, 3, 0, 0, [], OutcomeProtection.Detected)]);
            Assert.Equal((0L, 1L), store.ProtectionCounts(id));
            Assert.Equal(OutcomeProtection.Detected, Assert.Single(store.ProtectedOutcomes(id)).Value);
            long added = store.CreateCampaign(Settings() with { Protection = "{}" }, Faults(0));
            Assert.Equal("{}", store.Settings(added).Protection);
            Assert.False(Settings().SameCampaignAs(Settings() with { Protection = "{}" }));
            Assert.StartsWith("protection: none vs sha256 ", Settings().FirstDifference(Settings() with { Protection = "{}" }));
        }
        using var again = SqliteCampaignStore.Open(path, create: false);
        using var version = again.Connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteCampaignStore.SchemaVersion, version.ExecuteScalar());
    }

    [Fact]
    public void VersionFourDatabasesGainEmptyCriticalityTables()
    {
        using var dir = new TempDirectory();
        string path = dir.File("v4.db");
        long id;
        using (var store = SqliteCampaignStore.Open(path, create: true))
        {
            id = store.CreateCampaign(Settings(), Faults(0, 1));
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "DROP TABLE bit_criticality; DROP TABLE criticality_scores; ALTER TABLE faults DROP COLUMN p; ALTER TABLE faults DROP COLUMN q; PRAGMA user_version = 4;";
            cmd.ExecuteNonQuery();
        }
        using (var store = SqliteCampaignStore.Open(path, create: false))
        {
            Assert.Empty(store.CriticalitySets(id));
            Assert.Empty(store.Scores(id));
            store.WriteCriticality(id, 1, "brf", [new("w", 0, 0, [0.1f, 0.9f], 0b10)]);
            Assert.Equal(new CriticalitySet(1, "brf", 1, 1), Assert.Single(store.CriticalitySets(id)));
        }
    }

    [Fact]
    public void PredictedCriticalityReadsBackAndASecondPredictionReplacesTheFirst()
    {
        using var dir = new TempDirectory();
        using var store = SqliteCampaignStore.Open(dir.File("c.db"), create: true);
        long id = store.CreateCampaign(Settings(), Faults(0));
        store.WriteCriticality(id, 1, "brf", [new("b", 3, 30, [0.25f, 0.75f], 1L << 31), new("a", 7, 30, [0.5f, 0.125f], 0)]);
        store.WriteCriticality(id, 1, "brf", [new("a", 8, 30, [0f, 1f], 1L << 31)]); // a later block
        store.WriteCriticality(id, 0.5, "rf", [new("a", 7, 30, [1f, 1f], 3L << 30)]);
        Assert.Equal([new CriticalitySet(0.5, "rf", 1, 1), new CriticalitySet(1, "brf", 3, 2)], store.CriticalitySets(id));
        var words = store.Criticality(id, 1, "brf").ToList();
        Assert.Equal([("a", 7L), ("a", 8L), ("b", 3L)], words.Select(w => (w.Tensor, w.Element)));
        Assert.Equal([0.25f, 0.75f], words[2].Probabilities);
        Assert.Equal((30, 1L << 31), (words[2].LowBit, words[2].CriticalBits));

        // The probability cut is stored with its set, read back with it, and cleared with it.
        var cut = new Neutron.Protection.Criticality.Threshold(0.32, 0.99, 0.9925, 6.73);
        store.WriteThreshold(id, 1, "brf", cut);
        store.WriteThreshold(id, 0.5, "rf", Neutron.Protection.Criticality.Threshold.Default);
        Assert.Equal([new CriticalitySet(0.5, "rf", 1, 1) { Threshold = Neutron.Protection.Criticality.Threshold.Default }, new CriticalitySet(1, "brf", 3, 2) { Threshold = cut }],
            store.CriticalitySets(id));
        Assert.False(store.CriticalitySets(id)[1].Threshold!.IsCritical(0.3));

        store.ClearCriticality(id, 1, "brf");
        store.WriteCriticality(id, 1, "brf", [new("c", 0, 0, [0.5f], 0)]);
        Assert.Equal([new CriticalitySet(0.5, "rf", 1, 1) { Threshold = Neutron.Protection.Criticality.Threshold.Default }, new CriticalitySet(1, "brf", 1, 0)], store.CriticalitySets(id));
    }

    [Fact]
    public void A_version_5_file_gains_the_thresholds_table_and_its_sets_read_as_made_at_one_half()
    {
        using var dir = new TempDirectory();
        string path = dir.File("v5.db");
        long id;
        using (var store = SqliteCampaignStore.Open(path, create: true))
        {
            id = store.CreateCampaign(Settings(), Faults(0, 1));
            store.WriteCriticality(id, 1, "brf", [new("w", 0, 0, [0.1f, 0.9f], 0b10)]);
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "DROP TABLE criticality_thresholds; PRAGMA user_version = 5;";
            cmd.ExecuteNonQuery();
        }
        using (var store = SqliteCampaignStore.Open(path, create: false))
        {
            Assert.Null(Assert.Single(store.CriticalitySets(id)).Threshold);
            store.WriteThreshold(id, 1, "brf", Neutron.Protection.Criticality.Threshold.Default);
            Assert.Equal(Neutron.Protection.Criticality.Threshold.Default, Assert.Single(store.CriticalitySets(id)).Threshold);
        }
    }

    [Fact]
    public void ImportanceWeightsRoundTripMigrateAndMerge()
    {
        using var dir = new TempDirectory();
        var importance = Settings() with { Planner = "importance:count=2,alpha=0.1,score=margin", PlanSize = 2 };
        var weights = new Dictionary<long, (double P, double Q)> { [0] = (0.25, 0.5), [1] = (0.25, 0.125) };
        for (int k = 1; k <= 2; k++)
        {
            using var shard = SqliteCampaignStore.Open(dir.File($"s{k}.db"), create: true);
            var (id, created) = shard.FindOrCreateCampaign(importance with { Shard = $"{k}/2" }, () => Faults(k - 1), null,
                new Dictionary<long, (double, double)> { [k - 1] = weights[k - 1] });
            Assert.True(created);
            Assert.Equal(weights[k - 1], Assert.Single(shard.FaultWeights(id)).Value);
            shard.WriteGolden(id, Enumerable.Range(0, 4).Select(i => new GoldenPrediction(i, 1, 1)).ToList());
        }
        ShardMerger.Merge(dir.File("m.db"), [dir.File("s1.db"), dir.File("s2.db")]);
        using (var merged = SqliteCampaignStore.Open(dir.File("m.db"), create: false))
            Assert.Equal(weights, merged.FaultWeights(merged.SingleCampaign()));

        // A version 4 file (no p, q) gains the columns, empty; its campaigns drew no importance plan.
        string path = dir.File("v4.db");
        using (var store = SqliteCampaignStore.Open(path, create: true))
        {
            store.CreateCampaign(Settings() with { PlanSize = 2 }, Faults(0, 1));
            using var cmd = store.Connection.CreateCommand();
            cmd.CommandText = "ALTER TABLE faults DROP COLUMN p; ALTER TABLE faults DROP COLUMN q; DROP TABLE bit_criticality; DROP TABLE criticality_scores; PRAGMA user_version = 4;";
            cmd.ExecuteNonQuery();
        }
        using var upgraded = SqliteCampaignStore.Open(path, create: false);
        Assert.Empty(upgraded.FaultWeights(upgraded.SingleCampaign()));
        using var version = upgraded.Connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteCampaignStore.SchemaVersion, version.ExecuteScalar());
    }

    [Fact]
    public void MergeKeepsTheProtectionAndEachVerdict()
    {
        using var dir = new TempDirectory();
        var golden = new[] { new GoldenPrediction(0, 1, 1), new GoldenPrediction(1, 2, 0), new GoldenPrediction(2, 0, 0), new GoldenPrediction(3, 4, 4) };
        for (int k = 1; k <= 2; k++)
        {
            using var shard = SqliteCampaignStore.Open(dir.File($"s{k}.db"), create: true);
            long id = shard.CreateCampaign(Settings($"{k}/2") with { Protection = "{\"scheme\":\"x\"}", PlanSize = 2 }, Faults(k - 1));
            shard.WriteGolden(id, golden);
            shard.WriteBatch(id, [new StoredOutcome(k - 1, 4, 3, 3, 0, 0, [], k == 1 ? OutcomeProtection.Corrected : OutcomeProtection.Detected)]);
        }
        ShardMerger.Merge(dir.File("m.db"), [dir.File("s1.db"), dir.File("s2.db")]);
        using var merged = SqliteCampaignStore.Open(dir.File("m.db"), create: false);
        long m = merged.SingleCampaign();
        Assert.Equal("{\"scheme\":\"x\"}", merged.Settings(m).Protection);
        Assert.Equal((1L, 1L), merged.ProtectionCounts(m));
        using (var other = SqliteCampaignStore.Open(dir.File("s3.db"), create: true)) other.CreateCampaign(Settings("2/2") with { PlanSize = 2 }, Faults(1));
        var e = Assert.Throws<StoreException>(() => ShardMerger.Merge(dir.File("m2.db"), [dir.File("s1.db"), dir.File("s3.db")]));
        Assert.Contains("protection", e.Message);
    }
}
