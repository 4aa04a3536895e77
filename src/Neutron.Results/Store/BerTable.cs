// BER Monte Carlo sweeps stored beside campaigns in the same SQLite file: one row per sweep, its per-rate points
// and every sampled model. Tables are created on first write (CREATE IF NOT EXISTS), so a campaign database
// without a sweep stays valid. `neutron report` draws the latest sweep; `neutron ber --db` writes them.
using System.Globalization;
using Neutron.Analysis.Ber;

namespace Neutron.Results.Store;

public static class BerTable
{
    const string Schema = """
        CREATE TABLE IF NOT EXISTS ber_runs(
            id INTEGER PRIMARY KEY, model_path TEXT NOT NULL, data_spec TEXT NOT NULL, format TEXT NOT NULL, seed INTEGER NOT NULL,
            golden_accuracy REAL NOT NULL, total_bits INTEGER NOT NULL, band_level REAL NOT NULL, tolerance REAL NOT NULL, created TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS ber_points(
            run INTEGER NOT NULL REFERENCES ber_runs(id), rate REAL NOT NULL, samples INTEGER NOT NULL, mean_flips REAL NOT NULL,
            mean_accuracy REAL NOT NULL, band_lower REAL NOT NULL, band_upper REAL NOT NULL, critical_fraction REAL NOT NULL,
            PRIMARY KEY(run, rate)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ber_samples(
            run INTEGER NOT NULL REFERENCES ber_runs(id), rate REAL NOT NULL, sample INTEGER NOT NULL, flips INTEGER NOT NULL, accuracy REAL NOT NULL,
            PRIMARY KEY(run, rate, sample)) WITHOUT ROWID;
        """;

    public static long Write(SqliteCampaignStore store, BerResult ber, string modelPath, string dataSpec, string format, ulong seed)
    {
        using var tx = store.Connection.BeginTransaction();
        using (var create = store.Command(Schema, tx)) create.ExecuteNonQuery();
        using var run = store.Command("""
            INSERT INTO ber_runs(model_path, data_spec, format, seed, golden_accuracy, total_bits, band_level, tolerance, created)
            VALUES($m, $d, $f, $s, $g, $b, $l, $t, $c) RETURNING id;
            """, tx);
        run.Parameters.AddWithValue("$m", modelPath);
        run.Parameters.AddWithValue("$d", dataSpec);
        run.Parameters.AddWithValue("$f", format);
        run.Parameters.AddWithValue("$s", unchecked((long)seed));
        run.Parameters.AddWithValue("$g", ber.GoldenAccuracy);
        run.Parameters.AddWithValue("$b", ber.TotalBits);
        run.Parameters.AddWithValue("$l", ber.BandLevel);
        run.Parameters.AddWithValue("$t", ber.Tolerance);
        run.Parameters.AddWithValue("$c", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        long id = (long)run.ExecuteScalar()!;
        foreach (var p in ber.Points)
        {
            using var cmd = store.Command("INSERT INTO ber_points VALUES($r, $rate, $n, $f, $a, $lo, $hi, $c);", tx);
            cmd.Parameters.AddWithValue("$r", id);
            cmd.Parameters.AddWithValue("$rate", p.Rate);
            cmd.Parameters.AddWithValue("$n", p.Samples);
            cmd.Parameters.AddWithValue("$f", p.MeanFlips);
            cmd.Parameters.AddWithValue("$a", p.MeanAccuracy);
            cmd.Parameters.AddWithValue("$lo", p.Lower);
            cmd.Parameters.AddWithValue("$hi", p.Upper);
            cmd.Parameters.AddWithValue("$c", p.CriticalFraction);
            cmd.ExecuteNonQuery();
        }
        using (var sample = store.Command("INSERT INTO ber_samples VALUES($r, $rate, $s, $f, $a);", tx))
        {
            sample.Parameters.AddWithValue("$r", id);
            var rate = sample.Parameters.Add("$rate", Microsoft.Data.Sqlite.SqliteType.Real);
            var s = sample.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Integer);
            var f = sample.Parameters.Add("$f", Microsoft.Data.Sqlite.SqliteType.Integer);
            var a = sample.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Real);
            sample.Prepare();
            foreach (var x in ber.Samples)
            {
                rate.Value = x.Rate; s.Value = x.Sample; f.Value = x.Flips; a.Value = x.Accuracy;
                sample.ExecuteNonQuery();
            }
        }
        tx.Commit();
        return id;
    }

    /// <summary>The most recent sweep in the file, or null when there is none (a server store holds no sweeps).</summary>
    public static BerResult? Latest(CampaignStore campaigns)
    {
        if (campaigns is not SqliteCampaignStore store) return null;
        using (var exists = store.Command("SELECT count(*) FROM sqlite_master WHERE name = 'ber_runs';"))
            if ((long)exists.ExecuteScalar()! == 0) return null;
        long id;
        double golden, band, tolerance;
        long bits;
        using (var run = store.Command("SELECT id, golden_accuracy, total_bits, band_level, tolerance FROM ber_runs ORDER BY id DESC LIMIT 1;"))
        using (var r = run.ExecuteReader())
        {
            if (!r.Read()) return null;
            (id, golden, bits, band, tolerance) = (r.GetInt64(0), r.GetDouble(1), r.GetInt64(2), r.GetDouble(3), r.GetDouble(4));
        }
        var points = new List<BerPoint>();
        using (var cmd = store.Command("SELECT rate, samples, mean_flips, mean_accuracy, band_lower, band_upper, critical_fraction FROM ber_points WHERE run = $r ORDER BY rate;"))
        {
            cmd.Parameters.AddWithValue("$r", id);
            using var r = cmd.ExecuteReader();
            while (r.Read()) points.Add(new BerPoint(r.GetDouble(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), r.GetDouble(6)));
        }
        var samples = new List<BerSample>();
        using (var cmd = store.Command("SELECT rate, sample, flips, accuracy FROM ber_samples WHERE run = $r ORDER BY rate, sample;"))
        {
            cmd.Parameters.AddWithValue("$r", id);
            using var r = cmd.ExecuteReader();
            while (r.Read()) samples.Add(new BerSample(r.GetDouble(0), r.GetInt32(1), r.GetInt64(2), r.GetDouble(3)));
        }
        return new BerResult(golden, bits, band, tolerance, points, samples);
    }
}
