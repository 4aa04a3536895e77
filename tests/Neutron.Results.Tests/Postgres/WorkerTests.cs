// Many machines, one campaign: `campaign` writes the plan into the throwaway PostgreSQL server and works on it, two
// `worker` processes join, one is SIGKILLed while it holds a chunk, and the others finish. Every fault must be
// stored exactly once, the dead worker's chunk taken again, and the outcomes equal a single-process SQLite run's.
using Neutron.Results.Store;
using Neutron.Results.Tests.Campaigns;
using Npgsql;
using Xunit.Abstractions;

namespace Neutron.Results.Tests.Postgres;

public class WorkerTests(ITestOutputHelper output)
{
    const string Plan = "random:200";
    const int Images = 400; // enough work per fault that the workers overlap on the plain path

    static string[] Worker(string url) => ["worker", "--db", url, "--plain", "--threads", "1", "--batch", "2", "--lease", "3"];

    /// <summary>What a campaign stored, as text to compare across stores.</summary>
    static string Stored(string location)
    {
        using var store = CampaignStore.Open(location, create: false);
        long id = store.SingleCampaign();
        return string.Join("\n", string.Join(";", store.Golden(id)), string.Join(";", store.Faults(id)),
            string.Join(";", store.Outcomes(id)), string.Join(";", store.Predictions(id)));
    }

    static T Query<T>(string url, string sql)
    {
        var (builder, _) = PostgresCampaignStore.ParseUrl(url);
        builder.Pooling = false;
        using var c = new NpgsqlConnection(builder.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return (T)cmd.ExecuteScalar()!;
    }

    static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            try { if (condition()) return true; }
            catch (PostgresException) { } // tables not made yet
            Thread.Sleep(20);
        }
        return false;
    }

    [PostgresFact]
    [Trait("Category", "Slow")]
    public void ThreeWorkersOneKilledMidChunkStoreEveryFaultOnceAsOneSqliteProcessDoes()
    {
        using var dir = new TempDirectory();
        string reference = dir.File("reference.db");
        var (exit, _, err) = NeutronProcess.Run([.. CrashSafetyTests.CampaignArgs(reference, Plan, images: Images), "--plain"]);
        Assert.True(exit == 0, err);

        string url = PostgresServer.Instance!.NewDatabase();
        using var first = NeutronProcess.Start([.. CrashSafetyTests.CampaignArgs(url, Plan, images: Images), "--plain", "--chunk", "8"]);
        // The campaign waits (its 60 s lease held) until the victim holds a chunk: on a busy machine, the campaign
        // alone could otherwise finish every chunk before a worker process has started. It stops once it stores
        // outcomes, past the transactions a joining worker would wait for (the plan, golden's predictions).
        Assert.True(Until(() => Query<long>(url, "SELECT count(*) FROM outcomes;") > 0, TimeSpan.FromMinutes(2)), first.Errors);
        first.Pause();
        if (Query<long>(url, "SELECT count(*) FROM chunks WHERE NOT done;") == 0)
        {
            first.Resume();
            Assert.Fail("the campaign finished every chunk before it could be paused");
        }
        using var victim = NeutronProcess.Start(Worker(url));
        string owner = $"%:{victim.Id}";
        bool taken = Until(() => Query<long>(url, $"SELECT count(*) FROM chunks WHERE NOT done AND owner LIKE '{owner}';") > 0, TimeSpan.FromMinutes(2));
        first.Resume();
        Assert.True(taken, "the victim never took a chunk: " + victim.Errors);
        using var other = NeutronProcess.Start(Worker(url));
        // Kill the victim while it holds a chunk it has not committed.
        Thread.Sleep(150); // into the chunk's faults
        int chunk = Query<int>(url, $"SELECT coalesce(max(chunk), -1) FROM chunks WHERE NOT done AND owner LIKE '{owner}';");
        victim.Kill();
        victim.WaitForExit();
        Assert.True(chunk >= 0, "the victim committed its chunk before the kill landed");
        output.WriteLine($"killed worker {victim.Id} holding chunk {chunk}");

        Assert.True(first.WaitForExit(TimeSpan.FromMinutes(5)) && other.WaitForExit(TimeSpan.FromMinutes(5)), "the workers did not finish");
        Assert.True(first.ExitCode == 0, first.Errors);
        Assert.True(other.ExitCode == 0, other.Errors);
        output.WriteLine(first.Output + other.Output);

        Assert.Equal(200L, Query<long>(url, "SELECT count(*) FROM outcomes;"));
        Assert.Equal(200L, Query<long>(url, "SELECT count(DISTINCT fault_index) FROM outcomes;"));
        Assert.Equal(0L, Query<long>(url, "SELECT count(*) FROM chunks WHERE NOT done;"));
        Assert.True(Query<int>(url, $"SELECT attempts FROM chunks WHERE chunk = {chunk};") >= 2, "the dead worker's chunk was not taken again");
        Assert.Equal(Stored(reference), Stored(url));
    }

    [PostgresFact]
    [Trait("Category", "Slow")]
    public void AdaptivePlanSharedByWorkersDrawsTheRoundsOneSqliteProcessDraws()
    {
        const string adaptive = "adaptive:margin=0.08,level=0.9,per=layer,batch=16";
        using var dir = new TempDirectory();
        string reference = dir.File("reference.db");
        var (exit, _, err) = NeutronProcess.Run([.. CrashSafetyTests.CampaignArgs(reference, adaptive, images: Images), "--plain"]);
        Assert.True(exit == 0, err);

        string url = PostgresServer.Instance!.NewDatabase();
        using var first = NeutronProcess.Start([.. CrashSafetyTests.CampaignArgs(url, adaptive, images: Images), "--plain", "--chunk", "4"]);
        Assert.True(Until(() => Query<long>(url, "SELECT count(*) FROM outcomes;") > 0, TimeSpan.FromMinutes(2)), first.Errors);
        // As above, the campaign waits for a worker to take a chunk, so it cannot run every round alone. It may be
        // paused while it decides a round (under the round lock the worker then waits for): resumed after 30 s anyway.
        first.Pause();
        using var second = NeutronProcess.Start(Worker(url));
        Until(() => Query<long>(url, $"SELECT count(*) FROM chunks WHERE owner LIKE '%:{second.Id}';") > 0, TimeSpan.FromSeconds(30));
        first.Resume();
        using var third = NeutronProcess.Start(Worker(url));
        foreach (var p in new[] { first, second, third })
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "a worker did not finish");
            Assert.True(p.ExitCode == 0, p.Errors);
            output.WriteLine(p.Output);
        }

        long faults = Query<long>(url, "SELECT count(*) FROM faults;");
        Assert.Equal(faults, Query<long>(url, "SELECT count(DISTINCT fault_index) FROM outcomes;"));
        Assert.Equal(0L, Query<long>(url, "SELECT count(*) FROM chunks WHERE NOT done;"));
        Assert.True(Query<long>(url, "SELECT count(DISTINCT owner) FROM chunks;") >= 2, "one process ran every chunk: the test shows nothing about sharing rounds");
        Assert.Equal(Stored(reference), Stored(url));
    }
}
