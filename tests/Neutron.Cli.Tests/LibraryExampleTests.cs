// docs/library.md's example is real: its C# block is compiled as a program against src/Neutron.Campaigns and run on
// ../shared's LeNet-5. It stops a campaign part-way, resumes it and prints the per-layer table; the outcomes must
// equal those of `neutron campaign` run once, uninterrupted, with the same plan and seed.
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Neutron.Cli.Tests;

public class LibraryExampleTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void TheLibraryDocExampleCompilesRunsAndMatchesTheCli()
    {
        string root = RepositoryRoot();
        string doc = File.ReadAllText(Path.Combine(root, "docs", "library.md"));
        var blocks = Regex.Matches(doc, "```csharp\n(.*?)```", RegexOptions.Singleline);
        var example = Assert.Single(blocks).Groups[1].Value;

        using var dir = new TempDir();
        string project = Path.Combine(dir.Path, "example");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "Program.cs"), example);
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        File.WriteAllText(Path.Combine(project, "Example.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(root, "src", "Neutron.Campaigns", "Neutron.Campaigns.csproj")}" />
              </ItemGroup>
            </Project>
            """);
        string model = CliHarness.Shared("models", "lenet5.onnx");
        string data = $"npy:{CliHarness.Shared("reference", "fmnist_test1000_x.npy")},{CliHarness.Shared("reference", "fmnist_test1000_y.npy")}";
        string db = dir.File("library.db");
        var (code, output) = Dotnet(project, "run", "-c", configuration, "--", model, data, db);
        Assert.True(code == 0, output);

        var stopped = Regex.Match(output, @"stopped: (\d+) of 200 faults stored, completed False");
        Assert.True(stopped.Success, output);
        Assert.InRange(int.Parse(stopped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 50, 199);
        Assert.Contains("resumed: 200 of 200 faults stored, completed True", output);
        // The per-layer table: a row per layer hit (LeNet-5's nodes are named like /conv2/Conv), then the overall row.
        Assert.True(Regex.Matches(output, @"(?m)^/\S+\s+\d+\s+\d+\.\d+\s?%").Count >= 3, output);
        Assert.Matches(@"(?m)^all\s+200\s", output);

        // The same campaign through the CLI, uninterrupted: the same outcomes, fault by fault.
        string cliDb = dir.File("cli.db");
        var cli = CliHarness.Run("campaign", model, "--data", data, "--images", "200", "--plan", "random:200", "--seed", "7", "--threads", "1", "--db", cliDb);
        Assert.True(cli.Code == 0, cli.Err);
        Assert.True(CliHarness.Run("export", "--db", db, "--csv", dir.File("library.csv")).Code == 0);
        Assert.True(CliHarness.Run("export", "--db", cliDb, "--csv", dir.File("cli.csv")).Code == 0);
        Assert.Equal(File.ReadAllLines(dir.File("cli.csv")), File.ReadAllLines(dir.File("library.csv")));
    }

    static (int Code, string Output) Dotnet(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Neutron.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("Neutron.slnx not found above the test binaries");
    }
}
