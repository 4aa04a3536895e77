using Neutron.Engine.Onnx;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Xunit;

namespace Neutron.Faults.Tests.Running;

public class WalkProfileTests
{
    [Fact]
    public void The_walk_profile_counts_every_image_a_fault_carries_into_the_nodes_after_its_site()
    {
        // Without bounds, a bit flip changes the value in every image: each fault at pool2's output carries all the
        // images into Flatten, whose output (the same bits) carries them all into fc1. Nothing before the site runs.
        const int images = 30;
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var runner = new FaultRunner(model, RunnerFixtures.Images(images), new RunnerOptions { Threads = 2, ProveUnchanged = false });
        Assert.True(runner.Accelerated);
        var faults = RunnerFixtures.Sample(runner, FaultTarget.Activation, "flip", 3000, 3)
            .Where(f => f.Fault.Tensor == "/pool2/MaxPool_output_0").Take(20).ToList();
        Assert.True(faults.Count >= 10, $"only {faults.Count} faults at the site");

        var off = new ListSink();
        runner.Run(faults, off);
        Assert.Empty(runner.WalkProfile.Rows());

        runner.WalkProfile.Enabled = true;
        var on = new ListSink();
        runner.Run(faults, on);
        var rows = runner.WalkProfile.Rows();
        Assert.Equal("/Flatten", rows[0].Node);
        Assert.Equal(faults.Count * (long)images, rows[0].Images);
        Assert.Equal(faults.Count * (long)images, rows.Single(r => r.Node == "/fc1/Gemm").Images);
        Assert.All(rows, r => Assert.True(r.Seconds > 0, $"{r.Node}: no time"));

        // Recording changes no outcome.
        Assert.Equal(off.Outcomes.Count, on.Outcomes.Count);
        foreach (var (a, b) in off.Outcomes.Zip(on.Outcomes))
        {
            Assert.Equal(a with { Changed = [] }, b with { Changed = [] });
            Assert.Equal(a.Changed, b.Changed);
        }
    }
}
