// Switches shared by the BenchmarkDotNet suites. Smoke: the test that dry-runs every suite (tests/Neutron.Bench.Tests)
// sets it so each suite's ParamsSource offers its smallest sizes; a benchmark run never sets it.
namespace Neutron.Bench;

public static class BenchSuite
{
    /// <summary>Small sizes only: the suites are exercised for errors, not measured.</summary>
    public static bool Smoke { get; set; }
}
