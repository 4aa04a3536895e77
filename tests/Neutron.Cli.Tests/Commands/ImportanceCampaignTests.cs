// `campaign --plan importance:...` end to end on the shared LeNet-5: the plan and its p/q are the same whether run
// whole or as two merged shards, `summary --json` names the importance estimator with its effective size and the
// critical-fault search, `export` carries p and q, and bad plan options are one-line usage errors, as is a model
// with an operator autodiff lacks.
using System.Text.Json.Nodes;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Cli.Tests.Commands;

public class ImportanceCampaignTests
{
    static readonly string Lenet5 = CliHarness.Shared("models", "lenet5.onnx");
    static readonly string Data = "npy:" + CliHarness.Shared("reference", "fmnist_test1000_x.npy") + "," + CliHarness.Shared("reference", "fmnist_test1000_y.npy");

    static string[] Campaign(string db, string threads, params string[] more) =>
        ["campaign", Lenet5, "--data", Data, "--images", "20", "--layer", "conv1*", "--plan", "importance:count=40,alpha=0.2", "--seed", "7", "--threads", threads, "--db", db, .. more];

    [Fact]
    public void Shards_merge_to_the_whole_plan_and_summary_reports_the_weighted_estimate()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliHarness.Run(Campaign(dir.File("whole.db"), "1")).Code);
        Assert.Equal(0, CliHarness.Run(Campaign(dir.File("s1.db"), "1", "--shard", "1/2")).Code);
        Assert.Equal(0, CliHarness.Run(Campaign(dir.File("s2.db"), "2", "--shard", "2/2")).Code);
        Assert.Equal(0, CliHarness.Run("merge", "--db", dir.File("merged.db"), dir.File("s1.db"), dir.File("s2.db")).Code);
        foreach (var db in new[] { "whole.db", "merged.db" })
            Assert.Equal(0, CliHarness.Run("export", "--db", dir.File(db), "--csv", dir.File(db + ".csv")).Code);
        var whole = File.ReadAllLines(dir.File("whole.db.csv"));
        Assert.Equal(whole, File.ReadAllLines(dir.File("merged.db.csv")));
        Assert.EndsWith(",p,q", whole[0]);
        Assert.Equal(41, whole.Length);

        var r = CliHarness.Run("summary", "--db", dir.File("whole.db"), "--json");
        Assert.Equal(0, r.Code);
        var json = JsonNode.Parse(r.Out)!;
        Assert.Equal("importance", (string)json["overall"]!["estimator"]!);
        double ess = (double)json["overall"]!["effective_size"]!;
        Assert.InRange(ess, 1, 40);
        Assert.Equal("importance-sn", (string)json["per_bit"]![0]!["estimator"]!);
        Assert.Equal(40, (long)json["critical_search"]!["injected"]!);
        var text = CliHarness.Run("summary", "--db", dir.File("whole.db"));
        Assert.Contains("effective sample size", text.Out);
        Assert.Contains("uniform sampling", text.Out);
    }

    [Theory]
    [InlineData("importance:count=10,alpha=0", "alpha")]
    [InlineData("importance:count=10,score=loss", "score=loss")]
    [InlineData("importance:alpha=0.1", "count")]
    [InlineData("importance:count=10,alpha=0.5,damage=0.6", "damage")]
    public void Bad_plan_options_are_usage_errors(string plan, string named)
    {
        using var dir = new TempDir();
        var r = CliHarness.Run("campaign", Lenet5, "--data", Data, "--images", "5", "--plan", plan, "--db", dir.File("x.db"));
        Assert.Equal(2, r.Code);
        Assert.Contains(named, r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void A_model_with_an_operator_autodiff_lacks_gets_one_line_naming_it()
    {
        // LeNet-5 with a Softmax after its logits: the engine runs it, autodiff has no gradient for it.
        using var dir = new TempDir();
        var lenet = OnnxReader.Load(Lenet5);
        string logits = lenet.Outputs[0].Name;
        var model = new Model
        {
            Nodes = [.. lenet.Nodes, new Node { Name = "probabilities", OpType = "Softmax", Inputs = [logits], Outputs = ["p"], Attributes = new Attributes([], "Softmax") }],
            Initializers = lenet.Initializers,
            Inputs = lenet.Inputs,
            Outputs = [new ValueInfo("p", DataType.Float, null)],
            Opsets = lenet.Opsets,
        };
        string path = dir.File("softmax.onnx");
        OnnxWriter.Save(model, path);
        var r = CliHarness.Run("campaign", path, "--data", Data, "--images", "4", "--plan", "importance:count=5", "--threads", "1", "--db", dir.File("imp.db"));
        Assert.Equal(3, r.Code);
        Assert.Contains("autodiff", r.Err);
        Assert.Contains("not Softmax", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'), l => !l.StartsWith("hint:", StringComparison.Ordinal));
        Assert.False(File.Exists(dir.File("imp.db")));
    }
}
