// What the runner tests share: the 1,000 ../shared reference images, seeded uniform fault draws, and the
// fault-by-fault comparisons of two runners: outcomes (changed predictions included) and logits, bit for bit.
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Running;

internal static class RunnerFixtures
{
    private static readonly Lazy<(Tensor X, long[] Y)> Reference = new(() =>
        (Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy")), Npy.Load(SharedData.Path("reference", "fmnist_test1000_y.npy")).ToLongArray()));

    /// <summary>The first count reference images with their labels.</summary>
    public static EvaluationSet Images(int count) => new(Reference.Value.X, Reference.Value.Y, count);

    /// <summary>count faults drawn uniformly from the runner's target space under a fault-model spec, indexed 0..count-1.</summary>
    public static List<PlannedFault> Sample(FaultRunner runner, FaultTarget target, string spec, int count, ulong seed)
    {
        var space = FaultSpace.Create(runner.Sites, target, model: FaultModelSpec.Parse(spec));
        return Enumerable.Range(0, count)
            .Select(i => new PlannedFault(i, space.FaultAt((long)Faults.Random.CounterRng.Below(seed, (ulong)i, 0, (ulong)space.Size), seed)))
            .ToList();
    }

    /// <summary>Asserts that both runners compute bit-identical logits for every image under the fault.</summary>
    public static void AssertSameLogits(FaultRunner expected, FaultRunner actual, Fault fault, int images)
    {
        var want = new float[images][];
        var got = new float[images][];
        expected.Observe(fault, (n, row) => want[n] = row.ToArray());
        actual.Observe(fault, (n, row) => got[n] = row.ToArray());
        for (int n = 0; n < images; n++)
            Assert.True(want[n].Select(BitConverter.SingleToInt32Bits).SequenceEqual(got[n].Select(BitConverter.SingleToInt32Bits)),
                $"fault {fault}, image {n}: logits [{string.Join(", ", got[n])}], expected [{string.Join(", ", want[n])}]");
    }

    /// <summary>Runs the faults on both runners and asserts identical outcomes, fault by fault.</summary>
    public static void AssertSameOutcomes(FaultRunner expected, FaultRunner actual, IReadOnlyList<PlannedFault> faults)
    {
        var a = new ListSink();
        var b = new ListSink();
        expected.Run(faults, a);
        actual.Run(faults, b);
        Assert.Equal(faults.Count, b.Outcomes.Count);
        for (int i = 0; i < faults.Count; i++)
        {
            var (p, f) = (a.Outcomes[i], b.Outcomes[i]);
            string what = $"fault {faults[i].Fault}";
            Assert.True(p with { Changed = [] } == f with { Changed = [] }, $"{what}: {p} vs {f}");
            Assert.True(p.Changed.SequenceEqual(f.Changed), $"{what}: changed predictions differ");
        }
    }
}
