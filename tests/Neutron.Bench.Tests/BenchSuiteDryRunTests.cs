// Dry-runs every BenchmarkDotNet class of bench/Neutron.Bench (kernels, inference, injection) so the suites cannot
// rot: a benchmark that throws, a setup that fails or a case that reports nothing fails the test. Times nothing.
using BenchmarkDotNet.Attributes;

namespace Neutron.Bench.Tests;

public class BenchSuiteDryRunTests
{
    public static TheoryData<string> Suites => new(DryRun.BenchmarkClasses(typeof(BenchSuite).Assembly).Select(t => t.Name));

    [Fact]
    public void The_suites_are_found()
    {
        var names = DryRun.BenchmarkClasses(typeof(BenchSuite).Assembly).Select(t => t.Name).ToList();
        Assert.Contains(nameof(KernelBenchmarks), names);
        Assert.Contains(nameof(InferenceBenchmarks), names);
        Assert.Contains(nameof(InjectionBenchmarks), names);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_case_runs_dry_without_error(string suite)
    {
        var type = typeof(BenchSuite).Assembly.GetExportedTypes().Single(t => t.Name == suite);
        var (summary, log) = DryRun.Run(type);
        var problems = DryRun.Problems(summary);
        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n--- BenchmarkDotNet log ---\n" + log);
    }

    [Fact]
    public void A_throwing_benchmark_is_reported()
    {
        var (summary, _) = DryRun.Run(typeof(ThrowingBenchmarks));
        var problems = DryRun.Problems(summary);
        Assert.Contains(problems, p => p.Contains(nameof(ThrowingBenchmarks.Throws), StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains(nameof(ThrowingBenchmarks.Returns), StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_setup_is_reported()
    {
        var (summary, _) = DryRun.Run(typeof(FailingSetupBenchmarks));
        var problems = DryRun.Problems(summary);
        Assert.Contains(problems, p => p.Contains(nameof(FailingSetupBenchmarks.Returns), StringComparison.Ordinal));
    }
}

// Fixtures of the checker itself: one case throws, one does not; and a class whose setup fails.
public class ThrowingBenchmarks
{
    [Benchmark]
    public int Returns() => 1;

    [Benchmark]
    public int Throws() => throw new InvalidOperationException("benchmark fixture fails on purpose");
}

public class FailingSetupBenchmarks
{
    [GlobalSetup]
    public void Setup() => throw new FileNotFoundException("fixture setup fails on purpose");

    [Benchmark]
    public int Returns() => 1;
}
