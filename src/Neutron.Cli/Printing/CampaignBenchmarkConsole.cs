// `neutron bench campaign`'s output: one line (or JSON) with both runners' faults/s, then with --breakdown the
// accelerated time per site tensor and per node of the cone walk (CampaignBenchmarkResult.ByTensor, ByNode).
using System.Text.Json;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;

namespace Neutron.Cli.Printing;

public static class CampaignBenchmarkConsole
{
    public static void Json(CampaignBenchmarkResult r, string model, NumberFormat format, NumberFormat datapath, bool cpuTime) =>
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            model, target = r.Target, format = format.Name, datapath = datapath.Name, images = r.Images, faults = r.Faults, threads = r.Threads,
            plain_seconds = Math.Round(r.PlainSeconds, 3), fast_seconds = Math.Round(r.FastSeconds, 3),
            plain_faults_per_s = Math.Round(r.PlainFaultsPerSecond, 2), fast_faults_per_s = Math.Round(r.FastFaultsPerSecond, 2),
            speedup = Math.Round(r.Speedup, 2), clock = cpuTime ? "cpu" : "wall", identical = r.Identical, accelerated = r.Accelerated, cache_groups = r.CacheGroups,
            by_tensor = r.ByTensor.Select(b => new { tensor = b.Tensor, faults = b.Faults, seconds = Math.Round(b.Seconds, 4) }),
            by_node = r.ByNode.Select(b => new { node = b.Node, op_type = b.OpType, images = b.Images, seconds = Math.Round(b.Seconds, 4) }),
        }, new JsonSerializerOptions { WriteIndented = true }));

    public static void Text(CampaignBenchmarkResult r, string model, NumberFormat format, NumberFormat datapath, bool cpuTime)
    {
        Console.WriteLine($"{model} {r.Target} {format.Name} (datapath {datapath.Name}), {r.Images} images, {r.Faults} faults, {r.Threads} threads{(cpuTime ? ", per CPU second" : "")}: "
            + $"plain {r.PlainFaultsPerSecond:F2} faults/s, accelerated {r.FastFaultsPerSecond:F2} faults/s, speedup {r.Speedup:F1}×, "
            + (r.Identical ? "outcomes identical" : "OUTCOMES DIFFER") + (r.Accelerated ? r.CacheGroups > 1 ? $" (golden cache in {r.CacheGroups} groups: raise --memory to cache all images at once)" : ""
                : " (plain both times: " + r.PlainReason + ")"));
        if (r.ByTensor.Count == 0) return;
        // Percentages of the whole breakdown pass (the by-tensor times), so what happens outside the nodes shows too.
        double all = r.ByTensor.Sum(b => b.Seconds);
        Console.WriteLine("accelerated, each fault alone on one thread, by site tensor:");
        foreach (var (tensor, count, seconds) in r.ByTensor)
            Console.WriteLine($"  {tensor,-32} {count,6} faults {seconds * 1000 / count,10:F3} ms/fault {100 * seconds / all,6:F1} % of the time");
        if (r.ByNode.Count == 0) return;
        double walked = r.ByNode.Sum(b => b.Seconds);
        Console.WriteLine("the same pass, by node of the cone walk (images carried into the node over all faults; time to the next node,");
        Console.WriteLine("with the bounds tried on the node's output and the element-wise nodes it runs in its box path):");
        int width = Math.Min(60, r.ByNode.Max(b => b.Node.Length));
        foreach (var (node, opType, images, seconds) in r.ByNode)
            Console.WriteLine($"  {node.PadRight(width)} {opType,-20} {images,12:N0} images {seconds * 1000 / r.Faults,10:F3} ms/fault {100 * seconds / all,6:F1} %");
        Console.WriteLine($"  {"outside the nodes (injection, bounds at the site, outcomes)".PadRight(width + 41)} {(all - walked) * 1000 / r.Faults,10:F3} ms/fault {100 * (all - walked) / all,6:F1} %");
    }
}
