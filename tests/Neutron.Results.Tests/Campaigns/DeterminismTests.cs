// Determinism: same seed → identical outcomes with 1 vs 2 threads, and with 1 shard vs 3 shards merged.
namespace Neutron.Results.Tests.Campaigns;

public class DeterminismTests
{
    [Fact]
    public void ThreadsAndShardsChangeNothing()
    {
        using var dir = new TempDirectory();
        string one = dir.File("one.db"), two = dir.File("two.db"), merged = dir.File("merged.db");
        const string plan = "stratified:per=layer,count=6"; // 10 weight tensors of LeNet-5 × 6 = 60 faults
        var r1 = NeutronProcess.Run(CrashSafetyTests.CampaignArgs(one, plan, threads: 1));
        Assert.True(r1.Exit == 0, r1.Err);
        var r2 = NeutronProcess.Run(CrashSafetyTests.CampaignArgs(two, plan, threads: 2));
        Assert.True(r2.Exit == 0, r2.Err);
        var expected = CampaignSnapshot.Read(one);
        Assert.Equal(60, expected.Outcomes.Count);
        CampaignSnapshot.Read(two).AssertSameAs(expected);

        var shards = new List<string>();
        for (int k = 1; k <= 3; k++)
        {
            string db = dir.File($"shard{k}.db");
            shards.Add(db);
            var r = NeutronProcess.Run(CrashSafetyTests.CampaignArgs(db, plan, threads: 1, shard: $"{k}/3"));
            Assert.True(r.Exit == 0, r.Err);
        }
        var m = NeutronProcess.Run(["merge", "--db", merged, .. shards]);
        Assert.True(m.Exit == 0, m.Err);
        CampaignSnapshot.Read(merged).AssertSameAs(expected);
    }
}
