// An adaptive campaign (open-ended: each round written to the store before it runs) killed with SIGKILL at seeded
// random moments and resumed each time ends with the same fault list, outcomes and predictions as an uninterrupted
// run: the resume replays the rounds from stored outcomes and checks each replayed fault against the stored list.
using System.Diagnostics;
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

[Trait("Category", "Slow")]
public class AdaptiveResumeTests
{
    const string Plan = "adaptive:margin=0.05,level=0.9,per=layer,batch=10";

    // The plain path on 500 images: the accelerated one finishes the whole campaign before a kill can land, and on
    // fewer images a loaded machine could see the whole campaign written before two kills landed.
    static string[] Args(string db) =>
    [
        "campaign", Shared.Lenet, "--data", Shared.Data, "--images", "500", "--layer", "conv1*", "--plan", Plan, "--tolerance", "4",
        "--seed", "5", "--threads", "1", "--batch", "2", "--plain", "--db", db,
    ];

    static bool HasCampaign(string db)
    {
        if (!File.Exists(db)) return false;
        try
        {
            using var store = SqliteCampaignStore.Open(db, create: false); // never create: the child may be creating it now
            return store.Campaigns().Count > 0;
        }
        catch (StoreException) { return false; }
    }

    static long Outcomes(string db)
    {
        if (!HasCampaign(db)) return -1;
        try
        {
            using var store = SqliteCampaignStore.Open(db, create: false);
            return store.OutcomeCount(store.SingleCampaign());
        }
        catch (StoreException) { return -1; } // the writer is still creating it
    }

    [Fact]
    public void KilledAndResumedEqualsUninterrupted()
    {
        using var dir = new TempDirectory();
        string reference = dir.File("reference.db"), killed = dir.File("killed.db");
        var clock = Stopwatch.StartNew();
        var (exit, _, err) = NeutronProcess.Run(Args(reference));
        Assert.True(exit == 0, err);
        var whole = clock.Elapsed;
        var expected = CampaignSnapshot.Read(reference);
        Assert.True(expected.Faults.Count > 12, $"only {expected.Faults.Count} faults: the plan should need several rounds");
        Assert.Equal(expected.Faults.Count, expected.Outcomes.Count);
        using (var store = SqliteCampaignStore.Open(reference, create: false))
            Assert.Equal(Plan + ",tolerance=4", store.Settings(store.SingleCampaign()).Planner);

        // Kill once the store holds more outcomes than at the last kill (polling, as a user's Ctrl-C would land
        // mid-run), plus a seeded random delay so some kills fall between a round's list and its outcomes.
        var random = new Random(7);
        var seen = new List<long>();
        for (int i = 0; i < 20; i++)
        {
            long before = Outcomes(killed);
            string[] args = HasCampaign(killed) ? ["resume", "--db", killed, "--threads", "1", "--batch", "2", "--plain"] : Args(killed);
            using var p = NeutronProcess.Start(args);
            var limit = Stopwatch.StartNew();
            bool exited = false;
            while (!(exited = p.WaitForExit(TimeSpan.FromMilliseconds(50))) && Outcomes(killed) <= before + 5 && limit.Elapsed < whole * 2) { }
            if (!exited) exited = p.WaitForExit(TimeSpan.FromMilliseconds(random.Next(0, 300)));
            if (!exited) p.Kill();
            p.WaitForExit();
            if (exited) { Assert.True(p.ExitCode == 0, p.Errors); break; }
            seen.Add(Outcomes(killed));
        }
        Assert.True(seen.Count(n => n > 0 && n < expected.Outcomes.Count) >= 2, $"kills did not land inside the campaign (outcomes after each: {string.Join(",", seen)})");
        var (finalExit, _, finalErr) = HasCampaign(killed) ? NeutronProcess.Run("resume", "--db", killed, "--threads", "1") : NeutronProcess.Run(Args(killed));
        Assert.True(finalExit == 0, finalErr);
        CampaignSnapshot.Read(killed).AssertSameAs(expected);
        // Resuming a finished adaptive campaign runs nothing and changes nothing.
        Assert.Equal(0, NeutronProcess.Run("resume", "--db", killed).Exit);
        CampaignSnapshot.Read(killed).AssertSameAs(expected);
    }

    [Fact]
    public void AnAdaptivePlanCannotBeSharded()
    {
        using var dir = new TempDirectory();
        var (exit, _, err) = NeutronProcess.Run([.. Args(dir.File("x.db")), "--shard", "1/2"]);
        Assert.Equal(2, exit);
        Assert.Contains("cannot be sharded", err);
    }
}
