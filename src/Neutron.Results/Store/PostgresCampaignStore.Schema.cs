// The PostgreSQL store's tables: SQLite's (schema version 6) with PostgreSQL types, plus the work chunks that workers
// lease. Versioned migrations: each step runs once, in order, in one transaction under an advisory lock, and
// neutron_schema records the version reached, so workers starting together on an empty server make the tables once.
using Npgsql;

namespace Neutron.Results.Store;

public sealed partial class PostgresCampaignStore
{
    /// <summary>The migrations, in order: the version each reaches and its SQL. Append; never edit a published one.</summary>
    static readonly (int Version, string Sql)[] Migrations =
    [
        (1, """
            CREATE TABLE campaigns(
                id BIGSERIAL PRIMARY KEY, tool_version TEXT NOT NULL, model_path TEXT NOT NULL, model_sha256 TEXT NOT NULL,
                data_spec TEXT NOT NULL, images INTEGER NOT NULL, format TEXT NOT NULL, datapath TEXT NOT NULL, target TEXT NOT NULL,
                fault_model TEXT NOT NULL, site_filter TEXT NOT NULL, planner TEXT NOT NULL, seed BIGINT NOT NULL,
                kernel_set TEXT NOT NULL, shard TEXT NOT NULL, plan_size BIGINT NOT NULL, created TEXT NOT NULL,
                protection TEXT NOT NULL DEFAULT '', memory_budget BIGINT NOT NULL DEFAULT 1073741824);
            CREATE TABLE faults(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), fault_index BIGINT NOT NULL, fault TEXT NOT NULL,
                PRIMARY KEY(campaign, fault_index));
            CREATE TABLE golden(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), image INTEGER NOT NULL, label INTEGER NOT NULL, top1 INTEGER NOT NULL,
                PRIMARY KEY(campaign, image));
            CREATE TABLE outcomes(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), fault_index BIGINT NOT NULL, images INTEGER NOT NULL,
                golden_correct INTEGER NOT NULL, faulty_correct INTEGER NOT NULL, sdc INTEGER NOT NULL, nonfinite INTEGER NOT NULL,
                drop_pp DOUBLE PRECISION NOT NULL, protection INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY(campaign, fault_index));
            CREATE TABLE predictions(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), fault_index BIGINT NOT NULL, image INTEGER NOT NULL, top1 INTEGER NOT NULL,
                PRIMARY KEY(campaign, fault_index, image));
            CREATE TABLE sites(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), target TEXT NOT NULL, tensor TEXT NOT NULL, layer TEXT NOT NULL,
                op_type TEXT NOT NULL, shape TEXT NOT NULL,
                PRIMARY KEY(campaign, target, tensor));
            CREATE TABLE strata(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), name TEXT NOT NULL, size BIGINT NOT NULL CHECK(size > 0),
                PRIMARY KEY(campaign, name));
            CREATE TABLE class_names(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), class INTEGER NOT NULL CHECK(class >= 0), name TEXT NOT NULL,
                PRIMARY KEY(campaign, class));
            CREATE TABLE chunks(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), chunk INTEGER NOT NULL,
                first_index BIGINT NOT NULL, last_index BIGINT NOT NULL CHECK(last_index >= first_index),
                done BOOLEAN NOT NULL DEFAULT false, owner TEXT, lease_until TIMESTAMPTZ, attempts INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY(campaign, chunk));
            CREATE INDEX chunks_open ON chunks(campaign, chunk) WHERE NOT done;
            """),
        // An importance plan's p and q per fault; a forest's predicted criticality of every weight bit (one row per
        // stored word: float32 probabilities from low_bit upward, little-endian, and the critical bits as a mask),
        // its Table II rows and the probability cut each set was made at, as in SQLite's schema version 6.
        (2, """
            ALTER TABLE faults ADD COLUMN p DOUBLE PRECISION, ADD COLUMN q DOUBLE PRECISION;
            CREATE TABLE bit_criticality(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), tolerance DOUBLE PRECISION NOT NULL, forest TEXT NOT NULL,
                tensor TEXT NOT NULL, element BIGINT NOT NULL, low_bit INTEGER NOT NULL, probabilities BYTEA NOT NULL,
                critical_bits BIGINT NOT NULL,
                PRIMARY KEY(campaign, tolerance, forest, tensor, element));
            CREATE TABLE criticality_scores(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), tolerance DOUBLE PRECISION NOT NULL, forest TEXT NOT NULL,
                features TEXT NOT NULL, rows INTEGER NOT NULL, critical INTEGER NOT NULL, folds INTEGER NOT NULL, trees INTEGER NOT NULL,
                roc_auc DOUBLE PRECISION, pr_auc DOUBLE PRECISION, tn BIGINT NOT NULL, fp BIGINT NOT NULL, fn BIGINT NOT NULL, tp BIGINT NOT NULL,
                PRIMARY KEY(campaign, tolerance, forest, features));
            CREATE TABLE criticality_thresholds(
                campaign BIGINT NOT NULL REFERENCES campaigns(id), tolerance DOUBLE PRECISION NOT NULL, forest TEXT NOT NULL,
                threshold DOUBLE PRECISION NOT NULL, strict BOOLEAN NOT NULL, target_recall DOUBLE PRECISION,
                cv_recall DOUBLE PRECISION, cv_false_alarm_pct DOUBLE PRECISION,
                PRIMARY KEY(campaign, tolerance, forest));
            """),
    ];

    /// <summary>The version this neutron writes and reads.</summary>
    public static int SchemaVersion => Migrations[^1].Version;

    const int SchemaLock = 0x4E54_0000;

    void EnsureSchema(bool create)
    {
        using var c = _source.OpenConnection();
        using var tx = c.BeginTransaction();
        int version = Version(c, tx);
        if (version == SchemaVersion) return;
        if (version > SchemaVersion)
            throw new StoreException($"'{Path}' has schema version {version}; this neutron reads version {SchemaVersion}", "use the neutron version that made it, or another database");
        if (!create && version == 0)
            throw new StoreException($"'{Path}' holds no campaign", $"run `neutron campaign ... --db {Path}` first");
        Execute(c, tx, $"SELECT pg_advisory_xact_lock({SchemaLock});");
        version = Version(c, tx); // another process may have migrated while this one waited for the lock
        Execute(c, tx, "CREATE TABLE IF NOT EXISTS neutron_schema(version INTEGER NOT NULL);");
        foreach (var (to, sql) in Migrations)
            if (to > version) Execute(c, tx, sql);
        Execute(c, tx, $"DELETE FROM neutron_schema; INSERT INTO neutron_schema VALUES({SchemaVersion});");
        tx.Commit();
    }

    static int Version(NpgsqlConnection c, NpgsqlTransaction tx)
    {
        using var exists = new NpgsqlCommand("SELECT to_regclass('neutron_schema') IS NOT NULL;", c, tx);
        if (!(bool)exists.ExecuteScalar()!) return 0;
        using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM neutron_schema;", c, tx);
        return (int)cmd.ExecuteScalar()!;
    }
}
