// One results model under every output: `summary --json` and the report's CSV files print the same weighted rates
// for a stratified campaign; databases of schema versions 1 and 3 (made by older neutrons, committed as fixtures)
// open, resume and report; campaigns started together on one new file make one campaign.
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Neutron.Results.Tests.Campaigns;

[Trait("Category", "Slow")]
public class ResultsModelTests
{
    [Fact]
    public void StratifiedCampaignSummaryJsonAndReportCsvAgree()
    {
        using var dir = new TempDirectory();
        string db = dir.File("s.db");
        var (exit, _, err) = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--images", "50",
            "--plan", "stratified:per=layer,count=10", "--threads", "1", "--db", db);
        Assert.True(exit == 0, err);
        var (sumExit, json, sumErr) = NeutronProcess.Run("summary", "--db", db, "--json", "--tolerance", "1");
        Assert.True(sumExit == 0, sumErr);
        var (repExit, _, repErr) = NeutronProcess.Run("report", "--db", db, "-o", dir.File("r.html"));
        Assert.True(repExit == 0, repErr);

        using var doc = JsonDocument.Parse(json);
        var overall = doc.RootElement.GetProperty("overall");
        Assert.Equal("stratified", overall.GetProperty("estimator").GetString());
        var summary = ReadCsv(dir.File("r_files/summary.csv")).ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(overall.GetProperty("sdc_rate").GetDouble(), double.Parse(summary["SDC-fault rate"], CultureInfo.InvariantCulture), 12);
        Assert.Equal(overall.GetProperty("critical_rate").GetDouble(), double.Parse(summary["critical-fault rate"], CultureInfo.InvariantCulture), 12);
        Assert.Equal(overall.GetProperty("critical_upper").GetDouble(), double.Parse(summary["critical-fault rate 95% upper"], CultureInfo.InvariantCulture), 12);
        // The weighted rate is not the share of injected faults (strata of 156 and 48,000 positions got 10 faults each).
        double unweighted = overall.GetProperty("sdc_faults").GetDouble() / overall.GetProperty("faults").GetDouble();
        Assert.NotEqual(unweighted, overall.GetProperty("sdc_rate").GetDouble(), 6);

        var curve = ReadCsv(dir.File("r_files/critical-vs-tolerance.csv")).Skip(1).Single(r => r[0] == "1");
        Assert.Equal(overall.GetProperty("critical_rate").GetDouble(), double.Parse(curve[3], CultureInfo.InvariantCulture), 12);

        var bits = ReadCsv(dir.File("r_files/per-bit.csv")).Skip(1).ToDictionary(r => r[0]);
        foreach (var row in doc.RootElement.GetProperty("per_bit").EnumerateArray())
        {
            var csv = bits[row.GetProperty("bit").GetString()!];
            Assert.Equal(row.GetProperty("sdc_rate").GetDouble(), double.Parse(csv[3], CultureInfo.InvariantCulture), 12);
            Assert.Equal(row.GetProperty("critical_rate").GetDouble(), double.Parse(csv[7], CultureInfo.InvariantCulture), 12);
            Assert.Equal(row.GetProperty("estimator").GetString(), csv[11]);
        }
    }

    [Fact]
    public void SchemaVersion1DatabaseOpensResumesAndReports()
    {
        using var dir = new TempDirectory();
        var (db, err, _) = ResumeWithLastOutcomesDeleted(dir, "campaign-schema1.db", version: 1, deleted: 20);
        Assert.Contains("20 to run", err);
        var (sumExit, json, sumErr) = NeutronProcess.Run("summary", "--db", db, "--json");
        Assert.True(sumExit == 0, sumErr);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("stratified", doc.RootElement.GetProperty("overall").GetProperty("estimator").GetString()); // sizes rebuilt from the model
        var (repExit, _, repErr) = NeutronProcess.Run("report", "--db", db, "-o", dir.File("r.html"));
        Assert.True(repExit == 0, repErr);
    }

    [Fact]
    public void SchemaVersion3AdaptiveDatabaseOpensResumesAndReports()
    {
        using var dir = new TempDirectory();
        // The last round's outcomes go: resume replays the rounds from what is stored and runs them again.
        var (db, _, outcomes) = ResumeWithLastOutcomesDeleted(dir, "campaign-schema3.db", version: 3, deleted: 10);
        using (var store = Neutron.Results.Store.CampaignStore.Open(db, create: false))
        {
            var s = store.Settings(store.SingleCampaign());
            // The filter text of version 3 became the typed filter.
            Assert.Equal(new Neutron.Faults.Sites.SiteFilter { NameOrLayer = "conv*", OpTypes = ["Conv", "Gemm"], MinBit = 20, MaxBit = 31 }, s.Sites);
            Assert.IsType<Neutron.Analysis.Planning.AdaptivePlan>(s.Plan);
        }
        var (sumExit, json, sumErr) = NeutronProcess.Run("summary", "--db", db, "--json");
        Assert.True(sumExit == 0, sumErr);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(outcomes, doc.RootElement.GetProperty("overall").GetProperty("faults").GetInt32());
        var (repExit, _, repErr) = NeutronProcess.Run("report", "--db", db, "-o", dir.File("r.html"));
        Assert.True(repExit == 0, repErr);
    }

    [Fact]
    public void CampaignsStartedTogetherOnOneNewFileMakeOneCampaign()
    {
        using var dir = new TempDirectory();
        string db = dir.File("race.db");
        var runs = Enumerable.Range(0, 3).Select(_ => NeutronProcess.Start("campaign", Shared.Lenet, "--data", Shared.Data, "--images", "20",
            "--plan", "random:30", "--threads", "1", "--db", db)).ToList();
        foreach (var r in runs) r.WaitForExit();
        foreach (var r in runs) { Assert.True(r.ExitCode == 0, r.Errors); r.Dispose(); }
        using var c = Open(db);
        Assert.Equal(1L, Scalar(c, "SELECT count(*) FROM campaigns;"));
        Assert.Equal(30L, Scalar(c, "SELECT count(*) FROM outcomes;"));
    }

    /// <summary>Copies a fixture made by an older neutron, points it at this machine's ../shared, deletes its last
    /// outcomes and resumes it: the same outcomes come back (their count is returned), and the file is upgraded to this version's schema.</summary>
    static (string Db, string ResumeErrors, int Outcomes) ResumeWithLastOutcomesDeleted(TempDirectory dir, string fixture, long version, int deleted)
    {
        string db = dir.File(fixture);
        File.Copy(Fixture(fixture), db);
        List<string> before;
        using (var c = Open(db))
        {
            Assert.Equal(version, Scalar(c, "PRAGMA user_version;"));
            Exec(c, $"UPDATE campaigns SET model_path = '{Shared.Lenet}', data_spec = '{Shared.Data}';");
            before = Rows(c, "SELECT fault_index, images, faulty_correct, sdc, nonfinite FROM outcomes ORDER BY fault_index;");
            Exec(c, $"DELETE FROM predictions WHERE fault_index IN (SELECT fault_index FROM outcomes ORDER BY fault_index DESC LIMIT {deleted});");
            Exec(c, $"DELETE FROM outcomes WHERE fault_index IN (SELECT fault_index FROM outcomes ORDER BY fault_index DESC LIMIT {deleted});");
        }
        var (exit, _, err) = NeutronProcess.Run("resume", "--db", db, "--threads", "1");
        Assert.True(exit == 0, err);
        using (var c = Open(db))
        {
            Assert.Equal(before, Rows(c, "SELECT fault_index, images, faulty_correct, sdc, nonfinite FROM outcomes ORDER BY fault_index;"));
            Assert.Equal((long)Neutron.Results.Store.SqliteCampaignStore.SchemaVersion, Scalar(c, "PRAGMA user_version;"));
        }
        return (db, err, before.Count);
    }

    internal static string Fixture(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "data", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"tests/data/{name} not found above the test binaries");
    }

    static List<string[]> ReadCsv(string path) => File.ReadAllLines(path).Select(l => l.Split(',')).ToList();

    static SqliteConnection Open(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    static List<string> Rows(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add(string.Join(",", Enumerable.Range(0, r.FieldCount).Select(i => r.GetValue(i))));
        return rows;
    }
}
