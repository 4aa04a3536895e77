// Bad input is refused before any fault runs, with one line naming the line and the reason and a distinct exit
// code; resume refuses a database made from another model; export writes one row per fault.
using Neutron.Results.Store;

namespace Neutron.Results.Tests.Campaigns;

public class CampaignErrorTests
{
    static (int Exit, string Err, string Db) RunList(TempDirectory dir, string csv, string format = "fp32")
    {
        string list = dir.File("faults.csv"), db = dir.File("e.db");
        File.WriteAllText(list, csv);
        var r = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--images", "5", "--format", format, "--faults", list, "--db", db);
        return (r.Exit, r.Err, db);
    }

    [Theory]
    [InlineData("fault\nweight:conv1.weight@0#30\nweight:nosuch.weight@1#3\n", "fp32", "line 3", "unknown weight tensor 'nosuch.weight'")]
    [InlineData("fault\nweight:conv1.weight@99999#30\n", "fp32", "line 2", "out of range")]
    [InlineData("fault\nweight:conv1.weight@1#20\n", "fp16", "line 2", "beyond the 16-bit word")]
    [InlineData("fault,id\nweight:conv1.weight@1#3,1\nweight:conv1.weight@1,2\n", "fp32", "line 3", "missing '#BIT'")]
    public void BadFaultListIsRefusedBeforeAnyFaultRuns(string csv, string format, string line, string reason)
    {
        using var dir = new TempDirectory();
        var (exit, err, db) = RunList(dir, csv, format);
        Assert.Equal(3, exit);
        Assert.Contains(line, err);
        Assert.Contains(reason, err);
        Assert.Contains("hint:", err);
        Assert.False(File.Exists(db), "no database is made for a list that does not fit the model");
    }

    [Fact]
    public void BadOptionsAreUsageErrors()
    {
        using var dir = new TempDirectory();
        var bits = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--format", "fp16", "--bits", "0-20", "--db", dir.File("b.db"));
        Assert.Equal(2, bits.Exit);
        Assert.Contains("beyond the 16-bit word", bits.Err);
        var plan = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--plan", "random:zero", "--db", dir.File("b.db"));
        Assert.Equal(2, plan.Exit);
        Assert.Contains("not a positive integer", plan.Err);
    }

    [Fact]
    public void ResumeRefusesAnotherModelAndExportWritesEveryFault()
    {
        using var dir = new TempDirectory();
        string model = dir.File("model.onnx"), db = dir.File("c.db");
        File.Copy(Shared.Lenet, model);
        var r = NeutronProcess.Run(CrashSafetyTests.CampaignArgs(db, "random:4", images: 5) is var a ? a.Select(x => x == Shared.Lenet ? model : x) : []);
        Assert.True(r.Exit == 0, r.Err);

        var export = NeutronProcess.Run("export", "--db", db, "--csv", dir.File("out.csv"), "--json", dir.File("out.json"));
        Assert.True(export.Exit == 0, export.Err);
        var lines = File.ReadAllLines(dir.File("out.csv"));
        Assert.Equal("id,fault,images,golden_correct,faulty_correct,sdc,nonfinite,drop", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("0,weight:", lines[1]);
        Assert.Contains("\"faults\"", File.ReadAllText(dir.File("out.json")));

        File.AppendAllText(model, "x"); // another file now, whatever it parses as
        var resume = NeutronProcess.Run("resume", "--db", db);
        Assert.Equal(4, resume.Exit);
        Assert.Contains("is not the model this campaign was made from", resume.Err);
        using var store = SqliteCampaignStore.Open(db, create: false);
        Assert.Equal(4, store.OutcomeCount(store.SingleCampaign()));
    }
}
