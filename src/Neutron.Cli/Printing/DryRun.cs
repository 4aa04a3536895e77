// `neutron campaign --dry-run`: the fault-space size and the plan's size per stratum (FaultPlanner.Sizes), without
// loading data or running anything, so a user can see what a plan costs before starting it. An adaptive plan
// shows its worst case (rate ½); it usually stops far earlier.
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Campaigns;

namespace Neutron.Cli.Printing;

public static class DryRun
{
    public static int Print(CampaignSpec spec)
    {
        // Sites only: no data, no golden run.
        var sites = ModelLoading.Sites(spec.ModelPath, spec.Format, spec.Datapath);
        if (spec.FaultList is { } list)
        {
            Console.WriteLine($"fault list {list}: {FaultListPlan.Read(list, sites).Length:N0} faults");
            return ExitCodes.Ok;
        }
        var space = FaultSpaces.Of(sites, spec.Target, spec.FaultModel, spec.Sites);
        var plan = spec.Plan!;
        var sizes = FaultPlanner.Sizes(space, plan);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"fault space: {space.Size:N0} positions in {space.Sites.Count} sites ({space.Model})"));
        Console.WriteLine($"plan {plan}{(plan is AdaptivePlan ? " (worst case at rate 1/2; it stops when each interval is narrow enough)" : "")}:");
        int width = Math.Max(7, sizes.Max(s => s.Stratum.Length));
        Console.WriteLine($"  {"stratum".PadRight(width)}  {"space",14}  {"plan",12}  {"share",7}");
        foreach (var (name, size, draws) in sizes)
            Console.WriteLine(string.Create(inv, $"  {name.PadRight(width)}  {size,14:N0}  {draws,12:N0}  {(size == 0 ? 0 : (double)draws / size),7:P1}"));
        long total = sizes.Sum(s => s.Draws);
        Console.WriteLine(string.Create(inv, $"  {"total".PadRight(width)}  {sizes.Sum(s => s.Size),14:N0}  {total,12:N0}  {(double)total / Math.Max(1, space.Size),7:P1}"));
        if (spec.Shard.Count > 1) Console.WriteLine(string.Create(inv, $"shard {spec.Shard}: about {total / spec.Shard.Count:N0} of them"));
        return ExitCodes.Ok;
    }
}
