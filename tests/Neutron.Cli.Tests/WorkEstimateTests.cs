// The campaign's ETA weighs each fault by the work of its cone: a fault in LeNet-5's first layer costs more than one
// in its last, so finishing the first layer early does not extrapolate its pace over the rest.
using Neutron.Campaigns;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Cli.Tests;

public class WorkEstimateTests
{
    [Fact]
    public void EarlyLayersCostMoreAndTheEtaFollowsTheWorkLeft()
    {
        var sites = SiteCatalog.Discover(OnnxReader.Load(CliHarness.Shared("models", "lenet5.onnx")), NumberFormat.Fp32);
        var first = sites.Weights[0];
        var last = sites.Weights[^1];
        var faults = Enumerable.Range(0, 100).Select(i => new PlannedFault(i, Fault.Parse($"weight:{first.Tensor}@0#30")))
            .Concat(Enumerable.Range(100, 900).Select(i => new PlannedFault(i, Fault.Parse($"weight:{last.Tensor}@0#30")))).ToList();
        var work = new WorkEstimate(faults, sites, accelerated: true);
        double perFirst = work.Done(1), perLast = (work.Total - work.Done(100)) / 900;
        Assert.True(perFirst > 5 * perLast, $"first-layer fault {perFirst}, last-layer fault {perLast}");
        // After the 100 slow faults in 100 s, the 900 cheap ones take far less than the 900 s counting faults says.
        var eta = work.Remaining(100, TimeSpan.FromSeconds(100))!.Value;
        Assert.True(eta < TimeSpan.FromSeconds(300), $"ETA {eta}");
        Assert.Equal(TimeSpan.Zero, work.Remaining(1000, TimeSpan.FromSeconds(120)));
        Assert.Null(work.Remaining(0, TimeSpan.Zero));

        var plain = new WorkEstimate(faults, sites, accelerated: false);
        Assert.Equal(TimeSpan.FromSeconds(900), plain.Remaining(100, TimeSpan.FromSeconds(100)));
    }
}
