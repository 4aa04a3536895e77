// `neutron copy` both ways: a file's campaign into the server and back into a new file reads back the same, copying
// again adds nothing, and chunks whose faults all have outcomes are closed so no worker runs them again.
using Neutron.Results.Store;
using Neutron.Results.Tests.Campaigns;

namespace Neutron.Results.Tests.Postgres;

public class CopyTests
{
    static string Stored(string location)
    {
        using var store = CampaignStore.Open(location, create: false);
        long id = store.SingleCampaign();
        var s = store.Settings(id);
        return string.Join("\n", s, string.Join(";", store.Golden(id)), string.Join(";", store.Faults(id)),
            string.Join(";", store.Outcomes(id)), string.Join(";", store.Predictions(id)), string.Join(";", store.ProtectedOutcomes(id)),
            string.Join(";", store.Description(id).Sites), string.Join(";", store.Description(id).ClassNames));
    }

    [PostgresFact]
    public void AFileCampaignGoesToTheServerAndBackUnchanged()
    {
        using var dir = new TempDirectory();
        string file = dir.File("a.db"), back = dir.File("back.db");
        // A partial campaign: 30 of 40 faults run, so the copy leaves work for workers.
        var (exit, _, err) = NeutronProcess.Run([.. CrashSafetyTests.CampaignArgs(file, "random:40", images: 20), "--plain"]);
        Assert.True(exit == 0, err);
        using (var store = SqliteCampaignStore.Open(file, create: false))
        using (var cmd = store.Connection.CreateCommand())
        {
            cmd.CommandText = "DELETE FROM predictions WHERE fault_index >= 30; DELETE FROM outcomes WHERE fault_index >= 30;";
            cmd.ExecuteNonQuery();
        }
        string url = PostgresServer.Instance!.NewDatabase();
        var up = NeutronProcess.Run("copy", "--from", file, "--to", url);
        Assert.True(up.Exit == 0, up.Err);
        Assert.Contains("40 faults, 30 outcomes (30 new)", up.Out);
        var again = NeutronProcess.Run("copy", "--from", file, "--to", url);
        Assert.Contains("(0 new)", again.Out);
        using (var server = PostgresCampaignStore.Open(url, create: false))
        {
            long id = server.SingleCampaign();
            var counts = server.Chunks(id);
            Assert.Equal(1, counts.Total - counts.Done); // the 10 faults without outcomes stay open (one chunk of 256)
        }
        var down = NeutronProcess.Run("copy", "--from", url, "--to", back);
        Assert.True(down.Exit == 0, down.Err);
        Assert.Equal(Stored(file), Stored(back));
        Assert.Equal(Stored(file), Stored(url));
    }

    static string Criticality(string location)
    {
        using var store = CampaignStore.Open(location, create: false);
        long id = store.SingleCampaign();
        var weights = store.FaultWeights(id).OrderBy(w => w.Key).Select(w => $"{w.Key}:{w.Value.P:R}/{w.Value.Q:R}");
        var sets = store.CriticalitySets(id);
        var words = sets.SelectMany(set => store.Criticality(id, set.Tolerance, set.Forest)
            .Select(w => $"{set.Tolerance}/{set.Forest}/{w.Tensor}@{w.Element}>{w.LowBit}:{string.Join(",", w.Probabilities)}:{w.CriticalBits}"));
        return string.Join("\n", string.Join(";", weights), string.Join(";", store.Scores(id)), string.Join(";", sets), string.Join(";", words));
    }

    [PostgresFact]
    public void ImportanceWeightsAndPredictedCriticalityTravelBothWays()
    {
        using var dir = new TempDirectory();
        string file = dir.File("a.db"), back = dir.File("back.db");
        var (exit, _, err) = NeutronProcess.Run([.. CrashSafetyTests.CampaignArgs(file, "importance:count=30", images: 20), "--plain"]);
        Assert.True(exit == 0, err);
        using (var store = CampaignStore.Open(file, create: false))
        {
            long id = store.SingleCampaign();
            store.WriteScores(id, [new StoredScore(1, "brf", "structural", 30, 3, 3, 10, 0.91, double.NaN, 20, 5, 1, 4)]);
            store.WriteCriticality(id, 1, "brf", [
                new Neutron.Protection.Criticality.ParameterPrediction("conv1.weight", 0, 0, [0.25f, 0.75f], 2),
                new Neutron.Protection.Criticality.ParameterPrediction("Conv1.weight", 7, 30, [0.5f, 1f], 3)]);
        }
        string expected = Criticality(file);
        Assert.Contains("/", expected.Split('\n')[0]); // the plan stored weights to copy

        string url = PostgresServer.Instance!.NewDatabase();
        Assert.Equal(0, NeutronProcess.Run("copy", "--from", file, "--to", url).Exit);
        Assert.Equal(expected, Criticality(url));
        var down = NeutronProcess.Run("copy", "--from", url, "--to", back);
        Assert.True(down.Exit == 0, down.Err);
        Assert.Equal(expected, Criticality(back));
        Assert.Equal(Stored(file), Stored(back));
    }

    [Fact]
    public void APasswordInTheUrlIsRefusedWithOneLine()
    {
        var (exit, _, err) = NeutronProcess.Run("summary", "--db", "postgresql://me:secret@127.0.0.1:1/x");
        Assert.Equal(4, exit);
        Assert.Contains("carries a password", err);
        Assert.DoesNotContain("secret", err);
        Assert.DoesNotContain("   at ", err);
    }
}
