// The plain runner on the shared LeNet-5 with a few images: a campaign runs in every format, outcomes do not
// depend on the thread count, weights are restored after each fault, activation faults hit each image, and
// bad faults are refused before any fault runs.
using Neutron.Engine.Data;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Running;

public class FaultRunnerTests
{
    private const int Images = 40;
    private static readonly Lazy<(Model Model, EvaluationSet Data)> LeNet = new(() =>
    {
        var x = Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(SharedData.Path("reference", "fmnist_test1000_y.npy")).ToLongArray();
        return (OnnxReader.Load(SharedData.Path("models", "lenet5.onnx")), new EvaluationSet(x, y, Images));
    });

    private static List<PlannedFault> Sample(FaultSpace space, int count, ulong seed) =>
        Enumerable.Range(0, count).Select(i => (long)Faults.Random.CounterRng.Below(seed, (ulong)i, 0, (ulong)space.Size))
            .Select((index, i) => new PlannedFault(i, space.FaultAt(index, seed))).ToList();

    [Theory]
    [InlineData("fp32")]
    [InlineData("fp16")]
    [InlineData("bf16")]
    [InlineData("int8")]
    [InlineData("fxp16.10")]
    [InlineData("fxp8.5")]
    public void A_campaign_runs_in_every_format(string formatName)
    {
        var (model, data) = LeNet.Value;
        var format = NumberFormat.Parse(formatName);
        var runner = new FaultRunner(model, data, new RunnerOptions { Format = format, Threads = 2, BatchSize = 4, ImageChunk = 16 });
        // Quantised weights still classify: golden accuracy stays near fp32's (0.926 on 1,000 images).
        Assert.True(runner.Golden.Accuracy > (format.Width >= 16 ? 0.85 : 0.6), $"golden accuracy {runner.Golden.Accuracy} in {formatName}");
        if (format is FixedPointFormat or Fp16Format or Bf16Format or Int8Format)
            Assert.All(runner.Sites.Weights, s => Assert.Equal(format.Width, s.Bits));

        var faults = new List<PlannedFault>();
        foreach (var target in new[] { FaultTarget.Weight, FaultTarget.Activation })
        {
            var space = FaultSpace.Create(runner.Sites, target);
            faults.AddRange(Sample(space, 6, 11).Select(f => f with { Index = faults.Count + f.Index }));
        }
        // The sign and highest bits of a weight of conv1, which should matter in every format.
        faults.Add(new PlannedFault(100, new Fault(FaultTarget.Weight, "conv1.weight", 3, format.Width - 2, FaultModel.Flip)));
        faults.Add(new PlannedFault(101, new Fault(FaultTarget.Weight, "conv1.weight", 3, format.Width - 1, FaultModel.Stuck1)));
        var sink = new ListSink();
        var reports = new List<RunProgress>();
        runner.Run(faults, sink, new SyncProgress(reports.Add));
        Assert.Equal(faults.Select(f => f.Index), sink.Outcomes.Select(o => o.FaultIndex));
        Assert.Equal(faults.Count, reports[^1].Done);
        Assert.All(sink.Outcomes, o =>
        {
            Assert.Equal(Images, o.Images);
            Assert.Equal(o.Sdc, o.Changed.Length);
            Assert.Equal(runner.Golden.Correct, o.GoldenCorrect);
        });
        // Faults are transient for the model: the golden run afterwards is unchanged.
        var again = new List<int>();
        runner.Observe(null, (_, row) => again.Add(TopK.ArgMax(row)));
        Assert.Equal(runner.Golden.Top1, again);
    }

    [Fact]
    public void Outcomes_do_not_depend_on_thread_count_or_batch_size()
    {
        var (model, data) = LeNet.Value;
        var one = new FaultRunner(model, data, new RunnerOptions { Threads = 1, BatchSize = 100 });
        var two = new FaultRunner(model, data, new RunnerOptions { Threads = 2, BatchSize = 3, ImageChunk = 7 });
        var faults = Sample(FaultSpace.Create(one.Sites, FaultTarget.Weight, new SiteFilter { MinBit = 26 }), 12, 3)
            .Concat(Sample(FaultSpace.Create(one.Sites, FaultTarget.Activation, new SiteFilter { MinBit = 26 }), 12, 4).Select(f => f with { Index = f.Index + 12 }))
            .ToList();
        var a = new ListSink();
        var b = new ListSink();
        one.Run(faults, a);
        two.Run(faults, b);
        Assert.Equal(a.Outcomes.Count, b.Outcomes.Count);
        for (int i = 0; i < a.Outcomes.Count; i++)
        {
            Assert.Equal(a.Outcomes[i] with { Changed = [] }, b.Outcomes[i] with { Changed = [] });
            Assert.Equal(a.Outcomes[i].Changed, b.Outcomes[i].Changed);
        }
        Assert.Contains(a.Outcomes, o => o.Sdc > 0); // high exponent bits do something
    }

    [Fact]
    public void Activation_fault_changes_the_element_in_every_image()
    {
        var (model, data) = LeNet.Value;
        var runner = new FaultRunner(model, data, new RunnerOptions { Threads = 1 });
        // Exponent bits 28–30 stuck at 1 make logit 3 at least 2^97 in magnitude (Inf/NaN when the other exponent
        // bits were all set, as for values in [1, 2)), in every image; nothing else moves.
        var fault = Fault.Parse("act:logits@3#30:stuck1+29+28");
        var golden = new List<float[]>();
        var faulty = new List<float[]>();
        runner.Observe(null, (_, row) => golden.Add(row.ToArray()));
        runner.Observe(fault, (_, row) => faulty.Add(row.ToArray()));
        Assert.Equal(Images, faulty.Count);
        int expectedSdc = 0;
        for (int n = 0; n < Images; n++)
        {
            Assert.True(!(Math.Abs(faulty[n][3]) < MathF.Pow(2, 97)), $"image {n}: logit 3 = {faulty[n][3]}");
            for (int j = 0; j < 10; j++) if (j != 3) Assert.Equal(golden[n][j], faulty[n][j]);
            if (TopK.ArgMax(faulty[n]) != runner.Golden.Top1[n]) expectedSdc++;
        }
        var outcome = runner.Run(fault);
        Assert.Equal(expectedSdc, outcome.Sdc);
        Assert.True(outcome.Sdc > 0);
        // Exponent all ones with a mantissa bit: NaN in every image, counted nonfinite, and top-1 is the NaN (class 0).
        var nan = runner.Run(Fault.Parse("act:logits@0#30:stuck1+29+28+27+26+25+24+23+22"));
        Assert.Equal(Images, nan.NonFinite);
        Assert.Equal(Images - runner.Golden.Top1.Count(t => t == 0), nan.Sdc);
        Assert.All(nan.Changed, c => Assert.Equal(0, c.Top1));
    }

    [Fact]
    public void Bad_faults_are_refused_before_any_runs()
    {
        var (model, data) = LeNet.Value;
        var runner = new FaultRunner(model, data, new RunnerOptions { Threads = 1 });
        var sink = new ListSink();
        var faults = new[] { Fault.Parse("weight:conv1.weight@0#1"), Fault.Parse("weight:conv1.weight@999#1") }
            .Select((f, i) => new PlannedFault(i, f)).ToList();
        var e = Assert.Throws<FaultException>(() => runner.Run(faults, sink));
        Assert.Contains("index 999 is out of range", e.Message);
        Assert.Empty(sink.Outcomes);
    }

    [Fact]
    public void Cancellation_stops_between_faults_and_keeps_finished_outcomes()
    {
        var (model, data) = LeNet.Value;
        var runner = new FaultRunner(model, data, new RunnerOptions { Threads = 1, BatchSize = 2 });
        var faults = Enumerable.Range(0, 10).Select(i => new PlannedFault(i, new Fault(FaultTarget.Weight, "fc3.bias", i % 10, 0))).ToList();
        using var cts = new CancellationTokenSource();
        var sink = new ListSink();
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(faults, sink, new SyncProgress(p => { if (p.Done >= 4) cts.Cancel(); }), cts.Token));
        Assert.Equal([0L, 1, 2, 3], sink.Outcomes.Select(o => o.FaultIndex));
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
