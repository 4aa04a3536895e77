// An importance plan's fault weights and a forest's predicted criticality on a server, with the SQLite store's
// semantics (SqliteCampaignStore.Criticality.cs): weights go in with the faults in one transaction; a prediction set
// is one per (campaign, tolerance, forest), written a block per transaction and read back streaming.
using System.Runtime.InteropServices;
using Neutron.Protection.Criticality;
using Npgsql;
using NpgsqlTypes;

namespace Neutron.Results.Store;

public sealed partial class PostgresCampaignStore
{
    void InsertWeights(long campaign, IReadOnlyDictionary<long, (double P, double Q)> weights, NpgsqlConnection c, NpgsqlTransaction tx)
    {
        foreach (var (index, (p, q)) in weights)
            if (!(double.IsFinite(p) && p > 0 && double.IsFinite(q) && q > 0))
                throw new ArgumentOutOfRangeException(nameof(weights), $"fault {index}: p = {p}, q = {q}; both must be finite and > 0");
        using var cmd = new NpgsqlCommand("""
            UPDATE faults f SET p = w.p, q = w.q FROM unnest(@i, @p, @q) AS w(i, p, q) WHERE f.campaign = @c AND f.fault_index = w.i;
            """, c, tx);
        cmd.Parameters.AddWithValue("c", campaign);
        cmd.Parameters.AddWithValue("i", weights.Keys.ToArray());
        cmd.Parameters.AddWithValue("p", weights.Values.Select(w => w.P).ToArray());
        cmd.Parameters.AddWithValue("q", weights.Values.Select(w => w.Q).ToArray());
        cmd.ExecuteNonQuery();
    }

    public override IReadOnlyDictionary<long, (double P, double Q)> FaultWeights(long campaign) =>
        Read("SELECT fault_index, p, q FROM faults WHERE campaign = @c AND p IS NOT NULL AND q IS NOT NULL;", campaign,
            r => (r.GetInt64(0), (r.GetDouble(1), r.GetDouble(2)))).ToDictionary(w => w.Item1, w => w.Item2);

    public override void ClearCriticality(long campaign, double tolerance, string forest) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("DELETE FROM bit_criticality WHERE campaign = @c AND tolerance = @t AND forest = @f;"
            + "DELETE FROM criticality_thresholds WHERE campaign = @c AND tolerance = @t AND forest = @f;", c, tx);
        cmd.Parameters.AddWithValue("c", campaign);
        cmd.Parameters.AddWithValue("t", tolerance);
        cmd.Parameters.AddWithValue("f", forest);
        return cmd.ExecuteNonQuery();
    });

    public override void WriteCriticality(long campaign, double tolerance, string forest, IReadOnlyList<ParameterPrediction> block)
    {
        if (block.Count == 0) return;
        InTransaction((c, tx) =>
        {
            using var cmd = new NpgsqlCommand("""
                INSERT INTO bit_criticality(campaign, tolerance, forest, tensor, element, low_bit, probabilities, critical_bits)
                SELECT @c, @t, @f, n, e, l, p, m FROM unnest(@n, @e, @l, @p, @m) AS w(n, e, l, p, m)
                ON CONFLICT (campaign, tolerance, forest, tensor, element) DO UPDATE
                SET low_bit = excluded.low_bit, probabilities = excluded.probabilities, critical_bits = excluded.critical_bits;
                """, c, tx);
            cmd.Parameters.AddWithValue("c", campaign);
            cmd.Parameters.AddWithValue("t", tolerance);
            cmd.Parameters.AddWithValue("f", forest);
            cmd.Parameters.AddWithValue("n", block.Select(w => w.Tensor).ToArray());
            cmd.Parameters.AddWithValue("e", block.Select(w => w.Element).ToArray());
            cmd.Parameters.AddWithValue("l", block.Select(w => w.LowBit).ToArray());
            cmd.Parameters.Add(new NpgsqlParameter("p", NpgsqlDbType.Array | NpgsqlDbType.Bytea)
            { Value = block.Select(w => MemoryMarshal.AsBytes(w.Probabilities.AsSpan()).ToArray()).ToArray() });
            cmd.Parameters.AddWithValue("m", block.Select(w => w.CriticalBits).ToArray());
            return cmd.ExecuteNonQuery();
        });
    }

    public override void WriteThreshold(long campaign, double tolerance, string forest, Threshold threshold) => InTransaction((c, tx) =>
    {
        using var cmd = new NpgsqlCommand("""
            INSERT INTO criticality_thresholds(campaign, tolerance, forest, threshold, strict, target_recall, cv_recall, cv_false_alarm_pct)
            VALUES(@c, @t, @f, @v, @s, @target, @recall, @alarms)
            ON CONFLICT (campaign, tolerance, forest) DO UPDATE SET threshold = excluded.threshold, strict = excluded.strict,
                target_recall = excluded.target_recall, cv_recall = excluded.cv_recall, cv_false_alarm_pct = excluded.cv_false_alarm_pct;
            """, c, tx);
        var p = cmd.Parameters;
        p.AddWithValue("c", campaign);
        p.AddWithValue("t", tolerance);
        p.AddWithValue("f", forest);
        p.AddWithValue("v", threshold.Value);
        p.AddWithValue("s", threshold.Strict);
        p.AddWithValue("target", NpgsqlDbType.Double, double.IsNaN(threshold.TargetRecall) ? DBNull.Value : threshold.TargetRecall);
        p.AddWithValue("recall", NpgsqlDbType.Double, double.IsNaN(threshold.Recall) ? DBNull.Value : threshold.Recall);
        p.AddWithValue("alarms", NpgsqlDbType.Double, double.IsNaN(threshold.FalseAlarmPct) ? DBNull.Value : threshold.FalseAlarmPct);
        return cmd.ExecuteNonQuery();
    });

    public override void WriteScores(long campaign, IEnumerable<StoredScore> scores) => InTransaction((c, tx) =>
    {
        foreach (var r in scores)
        {
            using var cmd = new NpgsqlCommand("""
                INSERT INTO criticality_scores(campaign, tolerance, forest, features, rows, critical, folds, trees, roc_auc, pr_auc, tn, fp, fn, tp)
                VALUES(@c, @t, @f, @x, @rows, @crit, @folds, @trees, @roc, @pr, @tn, @fp, @fn, @tp)
                ON CONFLICT (campaign, tolerance, forest, features) DO UPDATE SET rows = excluded.rows, critical = excluded.critical,
                    folds = excluded.folds, trees = excluded.trees, roc_auc = excluded.roc_auc, pr_auc = excluded.pr_auc,
                    tn = excluded.tn, fp = excluded.fp, fn = excluded.fn, tp = excluded.tp;
                """, c, tx);
            var p = cmd.Parameters;
            p.AddWithValue("c", campaign);
            p.AddWithValue("t", r.Tolerance);
            p.AddWithValue("f", r.Forest);
            p.AddWithValue("x", r.Features);
            p.AddWithValue("rows", r.Rows);
            p.AddWithValue("crit", r.Critical);
            p.AddWithValue("folds", r.Folds);
            p.AddWithValue("trees", r.Trees);
            p.AddWithValue("roc", NpgsqlDbType.Double, double.IsNaN(r.RocAuc) ? DBNull.Value : r.RocAuc);
            p.AddWithValue("pr", NpgsqlDbType.Double, double.IsNaN(r.PrAuc) ? DBNull.Value : r.PrAuc);
            p.AddWithValue("tn", r.TrueNegative);
            p.AddWithValue("fp", r.FalsePositive);
            p.AddWithValue("fn", r.FalseNegative);
            p.AddWithValue("tp", r.TruePositive);
            cmd.ExecuteNonQuery();
        }
        return 0;
    });

    public override IReadOnlyList<StoredScore> Scores(long campaign) => Read("""
        SELECT tolerance, forest, features, rows, critical, folds, trees, roc_auc, pr_auc, tn, fp, fn, tp FROM criticality_scores
        WHERE campaign = @c ORDER BY features, tolerance, forest;
        """, campaign, r => new StoredScore(r.GetDouble(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6),
            r.IsDBNull(7) ? double.NaN : r.GetDouble(7), r.IsDBNull(8) ? double.NaN : r.GetDouble(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12)));

    public override IReadOnlyList<CriticalitySet> CriticalitySets(long campaign) => Read("""
        SELECT b.tolerance, b.forest, b.words, b.critical, t.threshold, t.strict, t.target_recall, t.cv_recall, t.cv_false_alarm_pct
        FROM (SELECT tolerance, forest, count(*) AS words, count(*) FILTER (WHERE critical_bits <> 0) AS critical FROM bit_criticality
              WHERE campaign = @c GROUP BY tolerance, forest) b
        LEFT JOIN criticality_thresholds t ON t.campaign = @c AND t.tolerance = b.tolerance AND t.forest = b.forest
        ORDER BY b.tolerance, b.forest;
        """, campaign, r => new CriticalitySet(r.GetDouble(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3))
        {
            Threshold = r.IsDBNull(4) ? null : new Threshold(r.GetDouble(4), Nullable(r, 6), Nullable(r, 7), Nullable(r, 8)) { Strict = r.GetBoolean(5) },
        });

    static double Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    /// <summary>The words of one set, streamed in (tensor, element) order (the same order as SQLite's: byte-wise
    /// tensor names).</summary>
    public override IEnumerable<ParameterPrediction> Criticality(long campaign, double tolerance, string forest)
    {
        using var c = Server(() => _source.OpenConnection());
        using var cmd = new NpgsqlCommand("""
            SELECT tensor, element, low_bit, probabilities, critical_bits FROM bit_criticality
            WHERE campaign = @c AND tolerance = @t AND forest = @f ORDER BY tensor COLLATE "C", element;
            """, c);
        cmd.Parameters.AddWithValue("c", campaign);
        cmd.Parameters.AddWithValue("t", tolerance);
        cmd.Parameters.AddWithValue("f", forest);
        using var r = Server(() => cmd.ExecuteReader());
        while (Server(r.Read))
            yield return new ParameterPrediction(r.GetString(0), r.GetInt64(1), r.GetInt32(2), MemoryMarshal.Cast<byte, float>((byte[])r.GetValue(3)).ToArray(), r.GetInt64(4));
    }
}
