// The campaign store's schema: the tables, the version in PRAGMA user_version, and the upgrades that let files of
// earlier versions open (in place when writable; read as recorded when read-only). The WAL switch is here too:
// it is part of making a file ready for use.
using Microsoft.Data.Sqlite;
using Neutron.Faults.Sites;

namespace Neutron.Results.Store;

public sealed partial class SqliteCampaignStore
{
    /// <summary>2: campaigns.datapath, and site metadata, stratum sizes and class names recorded with the campaign.
    /// 3: campaigns.protection (the protection file a campaign ran under, '' for none) and outcomes.protection (0 ran,
    /// 1 corrected or outvoted, 2 detected). 4: campaigns.site_filter (a versioned JSON document, SiteFilterJson)
    /// instead of the filter text, and campaigns.memory_budget. 5: faults.p and faults.q, a fault's probability under
    /// the target distribution and under the plan's proposal (importance plans; NULL for the others), and
    /// bit_criticality (a forest's predicted criticality of every weight bit) and criticality_scores (its
    /// cross-validated Table II rows). 6: criticality_thresholds, the probability cut each prediction set was
    /// made at (`predict --recall`) and what it gave in cross-validation. Older files are upgraded when opened (version 1 activations ran in `format`);
    /// opened read-only, they read as recorded (datapath = format for version 1, no protection, the filter text
    /// parsed, no weights, no predicted criticality, no thresholds).</summary>
    public const int SchemaVersion = 6;

    const string Schema = """
        CREATE TABLE IF NOT EXISTS campaigns(
            id INTEGER PRIMARY KEY, tool_version TEXT NOT NULL, model_path TEXT NOT NULL, model_sha256 TEXT NOT NULL,
            data_spec TEXT NOT NULL, images INTEGER NOT NULL, format TEXT NOT NULL, datapath TEXT NOT NULL, target TEXT NOT NULL,
            fault_model TEXT NOT NULL, site_filter TEXT NOT NULL, planner TEXT NOT NULL, seed INTEGER NOT NULL,
            kernel_set TEXT NOT NULL, shard TEXT NOT NULL, plan_size INTEGER NOT NULL, created TEXT NOT NULL,
            protection TEXT NOT NULL DEFAULT '', memory_budget INTEGER NOT NULL DEFAULT 1073741824);
        CREATE TABLE IF NOT EXISTS faults(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, fault TEXT NOT NULL,
            p REAL, q REAL,
            PRIMARY KEY(campaign, fault_index)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS golden(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), image INTEGER NOT NULL, label INTEGER NOT NULL, top1 INTEGER NOT NULL,
            PRIMARY KEY(campaign, image)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS outcomes(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, images INTEGER NOT NULL,
            golden_correct INTEGER NOT NULL, faulty_correct INTEGER NOT NULL, sdc INTEGER NOT NULL, nonfinite INTEGER NOT NULL,
            drop_pp REAL NOT NULL, protection INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(campaign, fault_index)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS predictions(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), fault_index INTEGER NOT NULL, image INTEGER NOT NULL, top1 INTEGER NOT NULL,
            PRIMARY KEY(campaign, fault_index, image)) WITHOUT ROWID;
        """ + SchemaAddedIn2 + SchemaAddedIn5 + SchemaAddedIn6;

    const string SchemaAddedIn2 = """
        CREATE TABLE IF NOT EXISTS sites(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), target TEXT NOT NULL, tensor TEXT NOT NULL, layer TEXT NOT NULL,
            op_type TEXT NOT NULL, shape TEXT NOT NULL,
            PRIMARY KEY(campaign, target, tensor)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS strata(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), name TEXT NOT NULL, size INTEGER NOT NULL CHECK(size > 0),
            PRIMARY KEY(campaign, name)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS class_names(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), class INTEGER NOT NULL CHECK(class >= 0), name TEXT NOT NULL,
            PRIMARY KEY(campaign, class)) WITHOUT ROWID;
        """;

    // bit_criticality: one row per stored word: the probability of each bit from low_bit upward (float32 little-endian), and the bits
    // predicted critical as a mask, so `critical_bits != 0` selects the Critical Parameters. criticality_scores: Table
    // II, one row per (tolerance, forest, feature set); NULL AUCs when nothing was cross-validated.
    const string SchemaAddedIn5 = """
        CREATE TABLE IF NOT EXISTS bit_criticality(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), tolerance REAL NOT NULL, forest TEXT NOT NULL,
            tensor TEXT NOT NULL, element INTEGER NOT NULL, low_bit INTEGER NOT NULL, probabilities BLOB NOT NULL,
            critical_bits INTEGER NOT NULL,
            PRIMARY KEY(campaign, tolerance, forest, tensor, element)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS criticality_scores(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), tolerance REAL NOT NULL, forest TEXT NOT NULL, features TEXT NOT NULL,
            rows INTEGER NOT NULL, critical INTEGER NOT NULL, folds INTEGER NOT NULL, trees INTEGER NOT NULL,
            roc_auc REAL, pr_auc REAL, tn INTEGER NOT NULL, fp INTEGER NOT NULL, fn INTEGER NOT NULL, tp INTEGER NOT NULL,
            PRIMARY KEY(campaign, tolerance, forest, features)) WITHOUT ROWID;
        """;

    // criticality_thresholds: one row per prediction set (campaign, tolerance, forest): a bit is critical when p > threshold
    // (strict = 1) or p ≥ threshold (strict = 0); target_recall, cv_recall and cv_false_alarm_pct (a share of the
    // injected bits) are NULL for the default cut. A set without a row was made at p > 0.5.
    const string SchemaAddedIn6 = """
        CREATE TABLE IF NOT EXISTS criticality_thresholds(
            campaign INTEGER NOT NULL REFERENCES campaigns(id), tolerance REAL NOT NULL, forest TEXT NOT NULL,
            threshold REAL NOT NULL, strict INTEGER NOT NULL, target_recall REAL, cv_recall REAL, cv_false_alarm_pct REAL,
            PRIMARY KEY(campaign, tolerance, forest)) WITHOUT ROWID;
        """;

    void EnsureSchema(bool create)
    {
        long version = (long)Scalar("PRAGMA user_version;")!;
        long tables = (long)Scalar("SELECT count(*) FROM sqlite_master;")!;
        if (version == 0 && tables == 0)
        {
            if (!create) throw new StoreException($"'{Path}' holds no campaign", "run `neutron campaign ... --db FILE` first");
            // WAL: readers (summary, export) never block the writer; a killed writer loses only its open transaction.
            // Two processes may both find the file empty: the write transaction serialises them and IF NOT EXISTS
            // lets the second one's schema be a no-op.
            UseWal();
            using var tx = _connection.BeginTransaction();
            Execute(_connection, Schema + $"PRAGMA user_version = {SchemaVersion};", tx);
            tx.Commit();
        }
        else if (version is 1 or 2 or 3 or 4 or 5)
        {
            Migrate(version);
        }
        else if (version != SchemaVersion)
        {
            throw new StoreException(
                version == 0 ? $"'{Path}' is an SQLite file but not a Neutron campaign database" : $"'{Path}' has schema version {version}; this neutron reads version {SchemaVersion}",
                version == 0 ? "pass a campaign database made by `neutron campaign`, or a new file name" : "use the neutron version that made it, or start a new database");
        }
        if (_readOnlyVersion == 0) UseWal();
        Execute(_connection, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    }

    /// <summary>Switches to WAL. The switch takes an exclusive lock and SQLite does not wait for it (no busy handler),
    /// so processes opening one new file together retry for a while instead of failing.</summary>
    void UseWal()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Execute(_connection, "PRAGMA journal_mode = WAL;");
                return;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 && attempt < 200)
            {
                Thread.Sleep(50);
            }
        }
    }

    const int ReadOnly = 8; // SQLITE_READONLY
    long _readOnlyVersion; // the version of an older file opened read-only (not upgraded); 0 otherwise
    bool _readOnlyVersion1 => _readOnlyVersion == 1;

    bool HasCampaigns => (long)Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'campaigns';")! > 0;

    // Version 1 → 2: the datapath column, set to each campaign's format (version 1 computed activations in it), and
    // the description tables. 2 → 3: the protection columns (no campaign before them ran protected). 3 → 4: the
    // filter text becomes a JSON document (parsed once, here), and memory_budget (earlier campaigns ran with the
    // default). 4 → 5: the faults' p and q (no campaign before them drew an importance plan) and the predicted
    // criticality tables, empty. 5 → 6: the thresholds table, empty (earlier sets read as made at p > 0.5). The write transaction takes the lock first, so of two processes opening the file at
    // once one migrates.
    void Migrate(long from)
    {
        try
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            long now = (long)Scalar("PRAGMA user_version;", tx)!;
            if (now == 1)
                Execute(_connection, "ALTER TABLE campaigns ADD COLUMN datapath TEXT NOT NULL DEFAULT ''; UPDATE campaigns SET datapath = format;" + SchemaAddedIn2, tx);
            if (now is 1 or 2)
                Execute(_connection, "ALTER TABLE campaigns ADD COLUMN protection TEXT NOT NULL DEFAULT '';"
                    + "ALTER TABLE outcomes ADD COLUMN protection INTEGER NOT NULL DEFAULT 0;", tx);
            if (now is 1 or 2 or 3)
            {
                Execute(_connection, "ALTER TABLE campaigns ADD COLUMN site_filter TEXT NOT NULL DEFAULT '';"
                    + "ALTER TABLE campaigns ADD COLUMN memory_budget INTEGER NOT NULL DEFAULT 1073741824;", tx);
                var legacy = new List<(long Id, string Filters)>();
                using (var read = Command("SELECT id, filters FROM campaigns;", tx))
                using (var r = read.ExecuteReader())
                    while (r.Read()) legacy.Add((r.GetInt64(0), r.GetString(1)));
                using var write = Command("UPDATE campaigns SET site_filter = $f WHERE id = $id;", tx);
                var f = write.Parameters.Add("$f", SqliteType.Text);
                var id = write.Parameters.Add("$id", SqliteType.Integer);
                foreach (var (campaign, filters) in legacy)
                {
                    f.Value = SiteFilterJson.Write(LegacyFilter(campaign, filters));
                    id.Value = campaign;
                    write.ExecuteNonQuery();
                }
                Execute(_connection, "ALTER TABLE campaigns DROP COLUMN filters;", tx);
            }
            if (now is 1 or 2 or 3 or 4)
            {
                Execute(_connection, "ALTER TABLE faults ADD COLUMN p REAL; ALTER TABLE faults ADD COLUMN q REAL;", tx);
                Execute(_connection, SchemaAddedIn5, tx);
            }
            if (now is 1 or 2 or 3 or 4 or 5)
                Execute(_connection, SchemaAddedIn6, tx);
            Execute(_connection, $"PRAGMA user_version = {SchemaVersion};", tx);
            tx.Commit();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == ReadOnly)
        {
            _readOnlyVersion = from;
        }
    }

    SiteFilter LegacyFilter(long campaign, string filters)
    {
        try { return SiteFilterJson.FromLegacy(filters); }
        catch (FormatException e) { throw new StoreException($"campaign {campaign} in '{Path}' has damaged filters ({e.Message})", Damaged, e); }
    }
}
