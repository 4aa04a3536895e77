// Crash safety (issue 4): the campaign process is SIGKILLed at 20 seeded random moments and resumed each time; the
// final database must equal an uninterrupted run's, with no fault lost or counted twice. Small plan, 20 images,
// one fault per transaction, so kills land between, and inside, many commits.
using System.Diagnostics;
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

public class CrashSafetyTests
{
    internal static string[] CampaignArgs(string db, string plan = "random:30", int threads = 1, string shard = "1/1", int images = 20) =>
    [
        "campaign", Shared.Lenet, "--data", Shared.Data, "--images", images.ToString(), "--plan", plan, "--seed", "11",
        "--threads", threads.ToString(), "--shard", shard, "--batch", "2", "--db", db,
    ];

    static long StoredOutcomes(string db)
    {
        if (!File.Exists(db)) return -1;
        using var store = CampaignStore.Open(db, create: true);
        var campaigns = store.Campaigns();
        return campaigns.Count == 0 ? -1 : store.OutcomeCount(campaigns[0].Id);
    }

    [Fact]
    public void KilledTwentyTimesThenResumedEqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        string reference = dir.File("reference.db"), killed = dir.File("killed.db");
        var clock = Stopwatch.StartNew();
        var (exit, _, err) = NeutronProcess.Run(CampaignArgs(reference));
        Assert.True(exit == 0, err);
        var whole = clock.Elapsed;
        var expected = CampaignSnapshot.Read(reference);
        Assert.Equal(30, expected.Outcomes.Count);

        var random = new Random(20260101);
        int partialKills = 0;
        var seen = new List<long>();
        for (int i = 0; i < 20; i++)
        {
            long before = StoredOutcomes(killed);
            if (before == expected.Outcomes.Count) break; // finished early: the remaining kills have nothing to hit
            string[] args = before < 0 ? CampaignArgs(killed) : ["resume", "--db", killed, "--threads", "1", "--batch", "2"];
            using var p = NeutronProcess.Start(args);
            // Moments spread over a whole uninterrupted run (startup included), seeded.
            bool exited = p.WaitForExit(whole * random.NextDouble());
            if (!exited) p.Kill();
            p.WaitForExit();
            if (exited) Assert.True(p.ExitCode == 0, p.Errors);
            long after = StoredOutcomes(killed);
            seen.Add(after);
            if (!exited && after >= 0 && after < expected.Outcomes.Count) partialKills++;
        }
        var (finalExit, _, finalErr) = NeutronProcess.Run("resume", "--db", killed, "--threads", "1");
        Assert.True(finalExit == 0, finalErr);
        Assert.True(partialKills >= 1, $"no kill landed inside the campaign (outcomes stored after each: {string.Join(",", seen)})");
        CampaignSnapshot.Read(killed).AssertSameAs(expected);
        // Progress never went backwards: every committed batch survived the kills.
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second >= p.First), string.Join(",", seen));
    }
}
