// Crash safety: the campaign process is SIGKILLed at twenty seeded random moments and resumed each time; the
// final database must equal an uninterrupted run's, with no fault lost or counted twice. Small plan, 100 images,
// two faults per transaction, so kills land between, and inside, many commits.
using System.Diagnostics;
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

[Trait("Category", "Slow")]
public class CrashSafetyTests
{
    internal static string[] CampaignArgs(string db, string plan = "random:30", int threads = 1, string shard = "1/1", int images = 20) =>
    [
        "campaign", Shared.Lenet, "--data", Shared.Data, "--images", images.ToString(), "--plan", plan, "--seed", "11",
        "--threads", threads.ToString(), "--shard", shard, "--batch", "2", "--db", db,
    ];

    // Read-only and tolerant: it polls a database another process is creating and writing.
    static long StoredOutcomes(string db)
    {
        if (!File.Exists(db)) return -1;
        try
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM outcomes;";
            return (long)cmd.ExecuteScalar()!;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return -1; // not created yet
        }
    }

    // Enough images that a fault takes longer than polling the database (the plain path runs single-threaded).
    private const int Images = 200;

    // Enough faults that twenty kills, each letting a few commits through, still land inside the campaign.
    private const int Faults = 120;

    [Fact]
    public void KilledTwentyTimesThenResumedEqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        string reference = dir.File("reference.db"), killed = dir.File("killed.db");
        string Plan = $"random:{Faults}";
        // Start-up alone (load, plan, no fault), to take it out of the batch time below.
        var clock = Stopwatch.StartNew();
        var (dryExit, _, dryErr) = NeutronProcess.Run([.. CampaignArgs(dir.File("dry.db"), Plan, images: Images), "--dry-run"]);
        Assert.True(dryExit == 0, dryErr);
        var startUp = clock.Elapsed;
        clock.Restart();
        // The plain path (--plain): the accelerated one finishes the LeNet faults before a kill can land.
        var (exit, _, err) = NeutronProcess.Run([.. CampaignArgs(reference, Plan, images: Images), "--plain"]);
        Assert.True(exit == 0, err);
        // About one two-fault batch: the fault loop's share of the run, over its Faults / 2 batches.
        var batch = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(1).Ticks, (clock.Elapsed - startUp).Ticks / (Faults / 2)));
        var expected = CampaignSnapshot.Read(reference);
        Assert.Equal(Faults, expected.Outcomes.Count);

        var random = new Random(20260101);
        int partialKills = 0;
        var seen = new List<long>();
        // Twenty kills inside the campaign; up to sixty tries, since on a busy machine a kill may let several batches
        // through (the batch time above was measured under other load) or land after the run has finished.
        for (int i = 0; i < 60 && partialKills < 20; i++)
        {
            long before = StoredOutcomes(killed);
            if (before == expected.Outcomes.Count) break; // finished early: the remaining kills have nothing to hit
            string[] args = before < 0 ? [.. CampaignArgs(killed, Plan, images: Images), "--plain"] : ["resume", "--db", killed, "--threads", "1", "--batch", "2", "--plain"];
            using var p = NeutronProcess.Start(args);
            // The kill moment: once this run has committed something (so the kill lands inside the fault loop, not in
            // start-up), plus a seeded random share of one batch, which puts it between or inside commits.
            bool exited = false;
            while (!(exited = p.WaitForExit(TimeSpan.FromMilliseconds(5))) && StoredOutcomes(killed) <= Math.Max(before, 0)) { }
            if (!exited) exited = p.WaitForExit(batch * random.NextDouble());
            if (!exited) p.Kill();
            p.WaitForExit();
            if (exited) Assert.True(p.ExitCode == 0, p.Errors);
            long after = StoredOutcomes(killed);
            seen.Add(after);
            if (!exited && after >= 0 && after < expected.Outcomes.Count) partialKills++;
        }
        var (finalExit, _, finalErr) = NeutronProcess.Run("resume", "--db", killed, "--threads", "1");
        Assert.True(finalExit == 0, finalErr);
        Assert.True(partialKills >= 10, $"only {partialKills} kills landed inside the campaign (outcomes stored after each: {string.Join(",", seen)})");
        CampaignSnapshot.Read(killed).AssertSameAs(expected);
        // Progress never went backwards: every committed batch survived the kills.
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second >= p.First), string.Join(",", seen));
    }
}
