// Runs a BenchmarkDotNet class once per case (Job.Dry) inside this process (InProcessEmitToolchain: no child
// project is generated or compiled) and lists what went wrong; a benchmark's exception lands in the log. Not a
// measurement: Debug build, one invocation per case. The suites live in bench/Neutron.Bench; BenchSuite.Smoke
// shrinks their parameters while this runs.
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Neutron.Bench.Tests;

public static class DryRun
{
    /// <summary>Public classes of an assembly with at least one [Benchmark] method.</summary>
    public static IEnumerable<Type> BenchmarkClasses(Assembly assembly) =>
        assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Runs every case of the class dry and in process; returns the summary and BenchmarkDotNet's log.</summary>
    public static (Summary Summary, string Log) Run(Type type)
    {
        var log = new AccumulationLogger();
        var artifacts = Path.Combine(Path.GetTempPath(), "neutron-bdn-dry-" + Environment.ProcessId);
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(new InProcessEmitToolchain(logOutput: true)))
            .AddLogger(log)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            // One exporter (into the temporary artifacts folder) so the run is free of validation warnings too.
            .AddExporter(MarkdownExporter.GitHub)
            // Tests run the Debug build: the optimisation check would reject it, and is beside the point here.
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile)
            .WithArtifactsPath(artifacts);
        bool smoke = BenchSuite.Smoke;
        BenchSuite.Smoke = true;
        try { return (BenchmarkRunner.Run(type, config), log.GetLog()); }
        finally
        {
            BenchSuite.Smoke = smoke;
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }

    /// <summary>Every reason the run is not clean: critical validation errors, missing reports, failed cases, cases without results.</summary>
    public static List<string> Problems(Summary summary)
    {
        // Critical errors only: the rest are BenchmarkDotNet's advice, such as "assembly located in temp" when the
        // repository itself lives under /tmp, which does not stop an in-process dry run.
        var problems = summary.ValidationErrors.Where(e => e.IsCritical).Select(e => "validation: " + e.Message).ToList();
        if (summary.BenchmarksCases.Length == 0) problems.Add("no benchmark cases");
        foreach (var benchmark in summary.BenchmarksCases)
        {
            var report = summary[benchmark];
            string name = benchmark.DisplayInfo;
            if (report is null) problems.Add($"{name}: no report");
            else if (!report.Success) problems.Add($"{name}: failed");
            else if (report.ExecuteResults.Count == 0 || report.AllMeasurements.Count == 0) problems.Add($"{name}: no measurements");
        }
        return problems;
    }
}
