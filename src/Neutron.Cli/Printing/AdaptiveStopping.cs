// Prints where each stratum of an adaptive campaign stopped: critical(τ of the plan) of n, and the Jeffreys credible
// interval at the plan's level that its stopping rule read (AdaptiveSampler), for `summary`.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;

namespace Neutron.Cli.Printing;

public static class AdaptiveStopping
{
    public static void Print(AdaptivePlan plan, CampaignData d)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"adaptive stopping (critical = drop > {plan.Tolerance} pp, Jeffreys {100 * plan.Level}% credible interval, target ±{100 * plan.Margin} pp):"));
        foreach (var g in d.Faults.GroupBy(f => f.Stratum, StringComparer.Ordinal))
        {
            long n = g.Count(), k = g.Count(f => d.Drop(f) > plan.Tolerance);
            var j = Intervals.Jeffreys(k, n, plan.Level);
            long total = d.StratumSizes?.GetValueOrDefault(g.Key) ?? 0;
            string of = total > 0 ? string.Create(inv, $" (of {total:N0})") : "";
            Console.WriteLine(total > 0 && n >= total
                ? string.Create(inv, $"  {g.Key}: {k:N0}/{n:N0} critical = {100.0 * k / n:F2}%, exhausted: exact")
                : string.Create(inv, $"  {g.Key}: {k:N0}/{n:N0}{of} critical = {100.0 * k / n:F2}% [{100 * j.Lower:F2}–{100 * j.Upper:F2}], ±{100 * j.HalfWidth:F2} pp"));
        }
    }
}
