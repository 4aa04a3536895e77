// `importance-proposal MODEL DATA [--images N] [--count 100] [--seed 1]`: the cost of an importance plan's proposal on
// one model's whole fp32 weight space, split into the sensitivity pass (autodiff over the images), the proposal
// (every position scored, cumulative sums) and the draws, with a digest of the drawn positions and their q so two
// builds can be checked to draw the same plan. Not part of the product: a profile of ImportanceScores.
using System.Diagnostics;
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Campaigns;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Bench;

static class ImportanceProposalMode
{
    const string Usage = "usage: importance-proposal MODEL DATA [--images N] [--count 100] [--seed 1] [--alpha 0.1] [--damage 0.3]";

    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine(Usage); return 2; }
        int? images = null;
        int count = 100;
        ulong seed = 1;
        double alpha = 0.1, damage = ImportancePlan.DefaultDamage;
        for (int i = 2; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            switch (args[i])
            {
                case "--images": images = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--count": count = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(v, CultureInfo.InvariantCulture); break;
                case "--alpha": alpha = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--damage": damage = double.Parse(v, CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }
        var loaded = ModelLoading.Load(args[0], args[1], images, NumberFormat.Fp32, NumberFormat.Fp32, new RunOptions());
        var runner = loaded.Runner;
        var space = FaultSpaces.Of(runner.Sites, FaultTarget.Weight, FaultModelSpec.Flip, SiteFilter.All);
        var clock = Stopwatch.StartNew();
        var (score, damageOf, cap) = ImportanceScores.For(space, runner, OnnxReader.Load(args[0]), ImportanceScore.Margin, seed);
        double sensitivity = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var distribution = new ImportanceDistribution(space, score, damageOf, alpha, damage);
        double proposal = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var drawn = ImportanceScores.Draw(space, distribution, count, seed, cap);
        double draws = clock.Elapsed.TotalSeconds;
        // FNV-1a over (position, q bits): equal digests, equal plans.
        ulong digest = 14695981039346656037;
        foreach (var d in drawn.Draws)
            foreach (ulong word in new[] { (ulong)d.Position, (ulong)BitConverter.DoubleToInt64Bits(d.Q) })
            { digest ^= word; digest *= 1099511628211; }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{space.Size:N0} positions in {space.Sites.Count} tensors, {runner.Data.Count} images; sensitivity {sensitivity:F2} s, proposal {proposal:F2} s, {count} draws {draws:F3} s; managed heap {GC.GetTotalMemory(false) / 1e6:F0} MB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB; draws digest {digest:x16}"));
        return 0;
    }
}
