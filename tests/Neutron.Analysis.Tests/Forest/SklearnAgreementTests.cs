// Our forest against scikit-learn on the same fixed data sets (Debian's python3-sklearn at test time, run by
// tests/data/forest_check.py): the ROC AUC on held-out rows of RF and of a balanced RF, each a mean over five seeds,
// must agree within 0.01, and
// scikit-learn's roc_auc_score and average_precision_score of our probabilities must equal our BinaryMetrics.
// Skipped, with the reason, when /usr/bin/python3 cannot import sklearn.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Neutron.Analysis.Forest;
using Xunit.Abstractions;

namespace Neutron.Analysis.Tests.Forest;

public sealed class SklearnFactAttribute : FactAttribute
{
    public SklearnFactAttribute()
    {
        if (Sklearn.Missing.Value is { } why) Skip = why;
    }
}

public static class Sklearn
{
    public const string Python = "/usr/bin/python3";

    /// <summary>null when scikit-learn can be imported; otherwise why not.</summary>
    public static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} not found; install Debian's python3-sklearn";
        var (code, _, _) = Run(["-c", "import sklearn"]);
        return code == 0 ? null : $"{Python} cannot import sklearn; install Debian's python3-sklearn";
    });

    public static (int Code, string Out, string Err) Run(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("python did not finish in 5 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Script(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Neutron.slnx"))) return Path.Combine(dir.FullName, "tests", "data", name);
        throw new DirectoryNotFoundException("repository root (Neutron.slnx) not found above the test binaries");
    }
}

[Trait("Category", "Slow")]
public class SklearnAgreementTests(ITestOutputHelper output)
{
    const int Trees = 200;

    [SklearnFact]
    public void Balanced_classes_agree_with_sklearn() => Compare(ForestTests.Noisy(2000, 6, 0.4, seed: 11), 1500);

    [SklearnFact]
    public void Rare_positives_agree_with_sklearn() => Compare(ForestTests.Noisy(4000, 5, 0.04, seed: 12), 3000);

    [SklearnFact]
    public void Few_distinct_values_agree_with_sklearn()
    {
        // Integer-valued features (like bit positions and channels): many ties, the histogram path of the splitter.
        var (x, y) = ForestTests.Noisy(3000, 4, 0.15, seed: 13);
        var v = new float[x.Rows * x.Columns];
        for (int r = 0; r < x.Rows; r++)
            for (int c = 0; c < x.Columns; c++) v[r * x.Columns + c] = MathF.Floor(x[r, c] * (c + 3) * 4);
        Compare((new FeatureMatrix(x.Rows, x.Columns, v), y), 2200);
    }

    void Compare((FeatureMatrix X, bool[] Y) data, int trainRows)
    {
        var (x, y) = data;
        var train = Enumerable.Range(0, trainRows).ToArray();
        var test = Enumerable.Range(trainRows, x.Rows - trainRows).ToArray();
        var yTrain = train.Select(r => y[r]).ToArray();
        var yTest = test.Select(r => y[r]).ToArray();
        // Like the script, the mean over five seeds; our metrics are also checked on the first seed's probabilities.
        var seeds = Enumerable.Range(1, 5).Select(s => (ulong)s).ToArray();
        double[] Probabilities(ulong seed, bool balanced) =>
            new ForestTrainer(new ForestOptions { Trees = Trees, Seed = seed, Balanced = balanced }).Train(x.Select(train), yTrain).Probabilities(x.Select(test));
        var rfs = seeds.Select(s => Probabilities(s, false)).ToArray();
        var brfs = seeds.Select(s => Probabilities(s, true)).ToArray();
        var (rf, brf) = (rfs[0], brfs[0]);

        using var dir = new TempFolder();
        WriteCsv(dir.File("train.csv"), x, y, train);
        WriteCsv(dir.File("test.csv"), x, y, test);
        File.WriteAllLines(dir.File("ours.csv"), ["rf,brf", .. rf.Zip(brf, (a, b) => string.Create(CultureInfo.InvariantCulture, $"{a:R},{b:R}"))]);
        var (code, stdout, stderr) = Sklearn.Run([Sklearn.Script("forest_check.py"), dir.File("train.csv"), dir.File("test.csv"), dir.File("ours.csv"), Trees.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(code == 0, stderr);
        var sk = JsonDocument.Parse(stdout).RootElement;
        double Get(string name) => sk.GetProperty(name).GetDouble();

        double oursRf = rfs.Average(p => BinaryMetrics.RocAuc(p, yTest)), oursBrf = brfs.Average(p => BinaryMetrics.RocAuc(p, yTest));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ROC AUC RF ours {oursRf:F4} sklearn {Get("rf_roc_auc"):F4}; BRF ours {oursBrf:F4} sklearn {Get("brf_roc_auc"):F4}; positives {yTest.Count(b => b)}/{yTest.Length}"));
        Assert.InRange(oursRf - Get("rf_roc_auc"), -0.01, 0.01);
        Assert.InRange(oursBrf - Get("brf_roc_auc"), -0.01, 0.01);
        Assert.Equal(Get("ours_roc_auc"), BinaryMetrics.RocAuc(rf, yTest), 10);
        Assert.Equal(Get("ours_ap"), BinaryMetrics.AveragePrecision(rf, yTest), 10);
        Assert.Equal(Get("ours_brf_roc_auc"), BinaryMetrics.RocAuc(brf, yTest), 10);
        Assert.Equal(Get("ours_brf_ap"), BinaryMetrics.AveragePrecision(brf, yTest), 10);
    }

    static void WriteCsv(string path, FeatureMatrix x, bool[] y, int[] rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', x.Names) + ",label");
        foreach (int r in rows)
        {
            for (int c = 0; c < x.Columns; c++) sb.Append(x[r, c].ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append(y[r] ? '1' : '0').AppendLine();
        }
        File.WriteAllText(path, sb.ToString());
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("neutron-forest-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
