// A forest's predicted criticality of every weight bit of a campaign (`neutron predict`), one row per stored word,
// written a block per transaction as the prediction streams and read back in the same streaming way (the report's
// criticality map, `protect --predictions`-like uses). One set per (campaign, tolerance, forest): predicting again
// replaces it.
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Neutron.Protection.Criticality;

namespace Neutron.Results.Store;

/// <summary>One stored Table II row: a forest's cross-validated scores at one tolerance (confusion as counts).</summary>
public sealed record StoredScore(double Tolerance, string Forest, string Features, int Rows, int Critical, int Folds, int Trees,
    double RocAuc, double PrAuc, long TrueNegative, long FalsePositive, long FalseNegative, long TruePositive);

/// <summary>One stored prediction set: its tolerance, forest and size, and the probability cut it was made at (null:
/// made by a neutron that did not record it, at p > 0.5).</summary>
public sealed record CriticalitySet(double Tolerance, string Forest, long Parameters, long CriticalParameters)
{
    public Threshold? Threshold { get; init; }
}

public sealed partial class SqliteCampaignStore
{
    /// <summary>Removes the set (campaign, tolerance, forest), before a new one is written.</summary>
    public override void ClearCriticality(long campaign, double tolerance, string forest)
    {
        try
        {
            using var cmd = Command(HasThresholdTable
                ? "DELETE FROM bit_criticality WHERE campaign = $c AND tolerance = $t AND forest = $f; DELETE FROM criticality_thresholds WHERE campaign = $c AND tolerance = $t AND forest = $f;"
                : "DELETE FROM bit_criticality WHERE campaign = $c AND tolerance = $t AND forest = $f;");
            cmd.Parameters.AddWithValue("$c", campaign);
            cmd.Parameters.AddWithValue("$t", tolerance);
            cmd.Parameters.AddWithValue("$f", forest);
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e) { throw Explain(e); }
    }

    /// <summary>Writes one block of predicted words in one transaction.</summary>
    public override void WriteCriticality(long campaign, double tolerance, string forest, IReadOnlyList<ParameterPrediction> block)
    {
        if (block.Count == 0) return;
        try
        {
            using var tx = _connection.BeginTransaction();
            using var cmd = Command("""
                INSERT OR REPLACE INTO bit_criticality(campaign, tolerance, forest, tensor, element, low_bit, probabilities, critical_bits)
                VALUES($c, $t, $f, $n, $e, $l, $p, $m);
                """, tx);
            cmd.Parameters.AddWithValue("$c", campaign);
            cmd.Parameters.AddWithValue("$t", tolerance);
            cmd.Parameters.AddWithValue("$f", forest);
            var n = cmd.Parameters.Add("$n", SqliteType.Text);
            var e = cmd.Parameters.Add("$e", SqliteType.Integer);
            var l = cmd.Parameters.Add("$l", SqliteType.Integer);
            var p = cmd.Parameters.Add("$p", SqliteType.Blob);
            var m = cmd.Parameters.Add("$m", SqliteType.Integer);
            cmd.Prepare();
            foreach (var w in block)
            {
                n.Value = w.Tensor;
                e.Value = w.Element;
                l.Value = w.LowBit;
                p.Value = MemoryMarshal.AsBytes(w.Probabilities.AsSpan()).ToArray();
                m.Value = w.CriticalBits;
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
        catch (SqliteException ex) { throw Explain(ex); }
    }

    /// <summary>Records the probability cut of the set (campaign, tolerance, forest).</summary>
    public override void WriteThreshold(long campaign, double tolerance, string forest, Threshold threshold)
    {
        try
        {
            using var cmd = Command("""
                INSERT OR REPLACE INTO criticality_thresholds(campaign, tolerance, forest, threshold, strict, target_recall, cv_recall, cv_false_alarm_pct)
                VALUES($c, $t, $f, $v, $s, $target, $recall, $alarms);
                """);
            cmd.Parameters.AddWithValue("$c", campaign);
            cmd.Parameters.AddWithValue("$t", tolerance);
            cmd.Parameters.AddWithValue("$f", forest);
            cmd.Parameters.AddWithValue("$v", threshold.Value);
            cmd.Parameters.AddWithValue("$s", threshold.Strict ? 1 : 0);
            cmd.Parameters.AddWithValue("$target", Nullable(threshold.TargetRecall));
            cmd.Parameters.AddWithValue("$recall", Nullable(threshold.Recall));
            cmd.Parameters.AddWithValue("$alarms", Nullable(threshold.FalseAlarmPct));
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e) { throw Explain(e); }
    }

    static object Nullable(double v) => double.IsNaN(v) ? DBNull.Value : v;

    bool HasThresholdTable => (long)Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'criticality_thresholds';")! > 0;

    /// <summary>Writes (or replaces) Table II rows.</summary>
    public override void WriteScores(long campaign, IEnumerable<StoredScore> scores)
    {
        try
        {
            using var tx = _connection.BeginTransaction();
            foreach (var r in scores)
            {
                using var cmd = Command("""
                    INSERT OR REPLACE INTO criticality_scores(campaign, tolerance, forest, features, rows, critical, folds, trees, roc_auc, pr_auc, tn, fp, fn, tp)
                    VALUES($c, $t, $f, $x, $rows, $crit, $folds, $trees, $roc, $pr, $tn, $fp, $fn, $tp);
                    """, tx);
                cmd.Parameters.AddWithValue("$c", campaign);
                cmd.Parameters.AddWithValue("$t", r.Tolerance);
                cmd.Parameters.AddWithValue("$f", r.Forest);
                cmd.Parameters.AddWithValue("$x", r.Features);
                cmd.Parameters.AddWithValue("$rows", r.Rows);
                cmd.Parameters.AddWithValue("$crit", r.Critical);
                cmd.Parameters.AddWithValue("$folds", r.Folds);
                cmd.Parameters.AddWithValue("$trees", r.Trees);
                cmd.Parameters.AddWithValue("$roc", double.IsNaN(r.RocAuc) ? DBNull.Value : r.RocAuc);
                cmd.Parameters.AddWithValue("$pr", double.IsNaN(r.PrAuc) ? DBNull.Value : r.PrAuc);
                cmd.Parameters.AddWithValue("$tn", r.TrueNegative);
                cmd.Parameters.AddWithValue("$fp", r.FalsePositive);
                cmd.Parameters.AddWithValue("$fn", r.FalseNegative);
                cmd.Parameters.AddWithValue("$tp", r.TruePositive);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
        catch (SqliteException e) { throw Explain(e); }
    }

    /// <summary>The stored Table II rows, by features, tolerance and forest (none in an older file opened read-only).</summary>
    public override IReadOnlyList<StoredScore> Scores(long campaign)
    {
        var list = new List<StoredScore>();
        if (!HasCriticalityTable) return list;
        using var cmd = Command("""
            SELECT tolerance, forest, features, rows, critical, folds, trees, roc_auc, pr_auc, tn, fp, fn, tp FROM criticality_scores
            WHERE campaign = $c ORDER BY features, tolerance, forest;
            """);
        cmd.Parameters.AddWithValue("$c", campaign);
        using var r = cmd.ExecuteReader();
        while (r.Read())
            list.Add(new StoredScore(r.GetDouble(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6),
                r.IsDBNull(7) ? double.NaN : r.GetDouble(7), r.IsDBNull(8) ? double.NaN : r.GetDouble(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12)));
        return list;
    }

    bool HasCriticalityTable => (long)Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'bit_criticality';")! > 0;

    /// <summary>The prediction sets stored for a campaign (none in a file of an earlier version opened read-only).</summary>
    public override IReadOnlyList<CriticalitySet> CriticalitySets(long campaign)
    {
        var sets = new List<CriticalitySet>();
        if (!HasCriticalityTable) return sets;
        using var cmd = Command("""
            SELECT tolerance, forest, count(*), sum(critical_bits != 0) FROM bit_criticality WHERE campaign = $c
            GROUP BY tolerance, forest ORDER BY tolerance, forest;
            """);
        cmd.Parameters.AddWithValue("$c", campaign);
        using (var r = cmd.ExecuteReader())
            while (r.Read()) sets.Add(new CriticalitySet(r.GetDouble(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)));
        if (!HasThresholdTable) return sets;
        var cuts = new Dictionary<(double, string), Threshold>();
        using var read = Command("SELECT tolerance, forest, threshold, strict, target_recall, cv_recall, cv_false_alarm_pct FROM criticality_thresholds WHERE campaign = $c;");
        read.Parameters.AddWithValue("$c", campaign);
        using (var r = read.ExecuteReader())
            while (r.Read())
                cuts[(r.GetDouble(0), r.GetString(1))] = new Threshold(r.GetDouble(2), Read(r, 4), Read(r, 5), Read(r, 6)) { Strict = r.GetInt64(3) != 0 };
        return sets.Select(s => cuts.TryGetValue((s.Tolerance, s.Forest), out var t) ? s with { Threshold = t } : s).ToList();

        static double Read(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
    }

    /// <summary>The words of one set, streamed in (tensor, element) order.</summary>
    public override IEnumerable<ParameterPrediction> Criticality(long campaign, double tolerance, string forest)
    {
        if (!HasCriticalityTable) yield break;
        using var cmd = Command("""
            SELECT tensor, element, low_bit, probabilities, critical_bits FROM bit_criticality
            WHERE campaign = $c AND tolerance = $t AND forest = $f ORDER BY tensor, element;
            """);
        cmd.Parameters.AddWithValue("$c", campaign);
        cmd.Parameters.AddWithValue("$t", tolerance);
        cmd.Parameters.AddWithValue("$f", forest);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var bytes = (byte[])r.GetValue(3);
            yield return new ParameterPrediction(r.GetString(0), r.GetInt64(1), r.GetInt32(2), MemoryMarshal.Cast<byte, float>(bytes).ToArray(), r.GetInt64(4));
        }
    }
}
