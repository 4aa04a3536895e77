// The official ONNX backend tests (Debian libonnx-testdata) run through the engine, one test per folder.
// A case is skipped only when skipped.txt lists it with a reason; every other case must pass, and a listed case
// that passes fails the test too, so the list stays true. Set NEUTRON_CONFORMANCE_REPORT=FILE to append every
// failing case with its reason to FILE (how skipped.txt was drafted; each reason was then checked by hand).
using System.Diagnostics;
using Xunit.Abstractions;

namespace Neutron.Engine.Tests.Conformance;

public class OnnxConformanceTests(ITestOutputHelper output)
{
    public const string DataRoot = "/usr/share/libonnx-testdata/data";

    [Theory]
    [InlineData("node")]
    [InlineData("pytorch-converted")]
    [InlineData("pytorch-operator")]
    public void Official_cases_pass_unless_listed(string folder)
    {
        string root = Path.Combine(DataRoot, folder);
        Assert.True(Directory.Exists(root), $"{root} not found; install the Debian package libonnx-testdata");
        var skipped = SkipList.Load();
        string? report = Environment.GetEnvironmentVariable("NEUTRON_CONFORMANCE_REPORT");
        var problems = new List<string>();
        int passed = 0, skips = 0;
        var clock = Stopwatch.StartNew();
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            string? failure;
            try { failure = ConformanceCase.Run(dir); }
            catch (Exception e) { failure = $"crash: {e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"; }
            bool listed = skipped.ContainsKey(name);
            if (failure is null && listed) problems.Add($"{name}: passes but skipped.txt lists it ({skipped[name]}); remove the line");
            else if (failure is null) passed++;
            else if (listed) skips++;
            else
            {
                problems.Add($"{name}: {failure}");
                if (report is not null) File.AppendAllText(report, $"{name}\t{failure.ReplaceLineEndings(" ")}\n");
            }
        }
        string summary = $"{folder}: {passed} passed, {skips} skipped, {problems.Count} failed of {passed + skips + problems.Count} in {clock.Elapsed.TotalSeconds:F1} s";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        foreach (var p in problems) output.WriteLine(p);
        Assert.True(problems.Count == 0, $"{problems.Count} conformance problems in {folder}:\n" + string.Join("\n", problems));
    }
}

/// <summary>skipped.txt: one case per line, its name then whitespace then the reason; '#' starts a comment.</summary>
public static class SkipList
{
    public static Dictionary<string, string> Load()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "Conformance", "skipped.txt");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(file))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int space = line.IndexOfAny([' ', '\t']);
            if (space < 0) throw new FormatException($"skipped.txt: '{line}' gives no reason");
            if (!result.TryAdd(line[..space], line[space..].Trim()))
                throw new FormatException($"skipped.txt: '{line[..space]}' is listed twice");
        }
        return result;
    }
}
