// Errors end with one line, a hint line and a distinct code: 2 for usage (System.CommandLine's parse errors
// included, which it would report with exit 1), 3 for model and data problems.
namespace Neutron.Cli.Tests;

public class ExitCodeTests
{
    private static readonly string Lenet5 = CliHarness.Shared("models", "lenet5.onnx");

    private static void AssertOneLineAndHint(CliResult r, int code, string expected)
    {
        Assert.Equal(code, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("neutron: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }

    [Theory]
    [InlineData(new[] { "inspect", "MODEL", "--bogus" }, "--bogus")]
    [InlineData(new[] { "eval", "MODEL" }, "--data")]
    [InlineData(new[] { "inspect" }, "MODEL")]
    [InlineData(new[] { "run", "MODEL", "--out", "/tmp/x" }, "--input")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "eval", "MODEL", "--data", "csv:x.csv" }, "csv")]
    [InlineData(new[] { "eval", "MODEL", "--data", "npy:x.npy" }, "npy:IMAGES.npy,LABELS.npy")]
    [InlineData(new[] { "eval", "MODEL", "--data", "npy:a,b", "--batch", "0" }, "--batch 0")]
    [InlineData(new[] { "eval", "MODEL", "--data", "npy:a,b", "--batch", "many" }, "many")]
    [InlineData(new[] { "eval", "MODEL", "--data", "idx:/nowhere", "--mean", "zero" }, "'zero' is not a number")]
    [InlineData(new[] { "train", "--arch", "lenet5", "--data", "idx:/nowhere", "--out", "/tmp/never.onnx", "--lr", "NaN" }, "--lr NaN")]
    [InlineData(new[] { "train", "--arch", "lenet5", "--data", "idx:/nowhere", "--out", "/tmp/never.onnx", "--limit", "0" }, "--limit 0")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--images", "0" }, "--images 0")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--fit-per-mbit", "-5" }, "--fit-per-mbit -5")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--design", "tmr:conv1" }, "--design belongs to the Bayesian estimate")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--precision", "0" }, "--precision 0")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--precision", "0.2", "--sampler", "lucky" }, "--sampler 'lucky'")]
    [InlineData(new[] { "ber", "MODEL", "--data", "idx:/nowhere", "--precision", "0.2", "--db", "/tmp/never.db" }, "--db stores the plain sweep")]
    [InlineData(new[] { "campaign", "MODEL", "--data", "idx:/nowhere", "--images", "-1" }, "--images -1")]
    [InlineData(new[] { "summary", "--db", "/nowhere.db", "--tolerance", "-5" }, "--tolerance -5")]
    [InlineData(new[] { "summary", "--db", "/nowhere.db", "--tolerance", "nan" }, "'nan' is not a finite number")]
    [InlineData(new[] { "report", "--db", "/nowhere.db", "--skip", "charts" }, "'charts' is not a section")]
    public void Usage_errors_exit_2(string[] args, string expected)
    {
        var r = CliHarness.Run(args.Select(a => a == "MODEL" ? Lenet5 : a).ToArray());
        AssertOneLineAndHint(r, 2, expected);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void Missing_model_exits_3()
    {
        AssertOneLineAndHint(CliHarness.Run("inspect", "/nowhere/model.onnx"), 3, "not found");
    }

    [Fact]
    public void Damaged_model_exits_3_saying_where()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(Lenet5);
        File.WriteAllBytes(dir.File("cut.onnx"), bytes[..1000]);
        AssertOneLineAndHint(CliHarness.Run("inspect", dir.File("cut.onnx")), 3, "at offset");
    }

    [Fact]
    public void Wrong_input_shape_exits_3_with_expected_and_actual()
    {
        using var dir = new TempDir();
        Engine.Data.Npy.Save(dir.File("x.npy"), Engine.Tensors.Tensor.Zeros(Engine.Tensors.DataType.Float, 1, 1, 32, 32));
        var r = CliHarness.Run("run", Lenet5, "--input", dir.File("x.npy"), "--out", dir.File("out"));
        AssertOneLineAndHint(r, 3, "expected float32[N,1,28,28], got float32[1,1,32,32]");
    }

    [Fact]
    public void Missing_data_and_bad_labels_exit_3()
    {
        AssertOneLineAndHint(CliHarness.Run("eval", Lenet5, "--data", "idx:/nowhere/t10k"), 3, "no IDX images file");
        using var dir = new TempDir();
        Engine.Data.Npy.Save(dir.File("x.npy"), Engine.Tensors.Tensor.Zeros(Engine.Tensors.DataType.Float, 2, 1, 28, 28));
        Engine.Data.Npy.Save(dir.File("y.npy"), Engine.Tensors.Tensor.FromLongs(Engine.Tensors.DataType.Int64, [3, 12], 2));
        var r = CliHarness.Run("eval", Lenet5, "--data", $"npy:{dir.File("x.npy")},{dir.File("y.npy")}");
        AssertOneLineAndHint(r, 3, "image 1 has label 12, the model has 10 classes");
    }

    [Fact]
    public void Unknown_input_name_is_a_usage_error()
    {
        using var dir = new TempDir();
        Engine.Data.Npy.Save(dir.File("x.npy"), Engine.Tensors.Tensor.Zeros(Engine.Tensors.DataType.Float, 1, 1, 28, 28));
        var r = CliHarness.Run("run", Lenet5, "--input", $"image={dir.File("x.npy")}", "--out", dir.File("out"));
        AssertOneLineAndHint(r, 2, "no input named 'image'");
    }
}
