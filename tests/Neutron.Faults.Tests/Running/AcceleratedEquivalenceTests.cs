// The accelerated runner (cone re-execution over the golden cache) against the plain runner (`--plain`, the
// oracle): same faults, outcomes identical fault by fault, changed predictions included. Random faults of every
// fault model on weights and activations in fp32 and other formats, plus hand-picked flips of bit 30 that turn
// large weights and activations into huge values, Inf or NaN.
using Neutron.Engine.Data;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Running;

public class AcceleratedEquivalenceTests
{
    // Weights in formatName; activations in datapathName, or in formatName too when not given.
    // walk: images an activation fault walks at a time (RunnerOptions.WalkImages), fewer than a chunk's so that
    // a chunk's images go in several groups.
    private static (FaultRunner Plain, FaultRunner Fast) Runners(string modelName, string formatName, int images, int chunk, string? datapathName = null,
        int walk = 32)
    {
        var model = OnnxReader.Load(SharedData.Path("models", modelName + ".onnx"));
        var data = RunnerFixtures.Images(images);
        var options = new RunnerOptions
        {
            Format = NumberFormat.Parse(formatName), Datapath = NumberFormat.Parse(datapathName ?? formatName),
            Threads = 2, BatchSize = 256, ImageChunk = chunk, ConeChunk = chunk, WalkImages = walk,
        };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.False(plain.Accelerated);
        Assert.True(fast.Accelerated);
        Assert.Equal(plain.Golden.Top1, fast.Golden.Top1);
        return (plain, fast);
    }

    [Theory]
    [InlineData("fp32", FaultTarget.Weight)]
    [InlineData("fp32", FaultTarget.Activation)]
    [InlineData("fp16", FaultTarget.Weight)]
    [InlineData("fp16", FaultTarget.Activation)]
    [InlineData("int8", FaultTarget.Weight)]
    [InlineData("fxp8.5", FaultTarget.Activation)]
    // Quantised weights with an fp32 datapath: box paths and bounds run over the decoded weights.
    [InlineData("fxp8.6", FaultTarget.Weight, "fp32")]
    [InlineData("int8", FaultTarget.Activation, "fp32")]
    [InlineData("fp32", FaultTarget.Activation, "fxp16.10")]
    public void LeNet_random_faults_match_the_plain_path(string format, FaultTarget target, string? datapath = null)
    {
        var (plain, fast) = Runners("lenet5", format, images: 4, chunk: 3, datapath, walk: 2);
        var faults = new List<PlannedFault>();
        ulong seed = 17;
        foreach (var spec in new[] { "flip", "stuck0", "stuck1", "flip:rand3", "flip:adj2" })
            faults.AddRange(RunnerFixtures.Sample(plain, target, spec, 420, seed++).Select(f => f with { Index = faults.Count + f.Index }));
        Assert.True(faults.Count >= 2000);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }

    [Theory]
    [InlineData("fp32", FaultTarget.Weight)]
    [InlineData("fp32", FaultTarget.Activation)]
    [InlineData("bf16", FaultTarget.Weight)]
    [InlineData("bf16", FaultTarget.Activation)]
    [InlineData("bf16", FaultTarget.Weight, "fp32")]
    public void ResNet_random_faults_match_the_plain_path(string format, FaultTarget target, string? datapath = null)
    {
        var (plain, fast) = Runners("resnet20", format, images: 2, chunk: 2, datapath, walk: 1);
        var faults = new List<PlannedFault>();
        ulong seed = 5;
        foreach (var spec in new[] { "flip", "stuck0", "stuck1", "flip:rand3" })
            faults.AddRange(RunnerFixtures.Sample(plain, target, spec, 500, seed++).Select(f => f with { Index = faults.Count + f.Index }));
        Assert.True(faults.Count >= 2000);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }

    [Theory]
    [InlineData("lenet5")]
    [InlineData("resnet20")]
    public void Bit_30_flips_of_the_largest_values_match_the_plain_path(string modelName)
    {
        var (plain, fast) = Runners(modelName, "fp32", images: 3, chunk: 2);
        var faults = new List<PlannedFault>();
        foreach (var site in plain.Sites.Weights)
        {
            // The largest |w| of the tensor: bit 30 set by the flip gives ×2^128, Inf or NaN for |w| ≥ 1.
            long best = 0;
            for (long i = 1; i < site.Elements; i++)
                if (Math.Abs(plain.Weights.Value(site.Tensor, i)) > Math.Abs(plain.Weights.Value(site.Tensor, best))) best = i;
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Weight, site.Tensor, best, 30, FaultModel.Flip)));
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Weight, site.Tensor, best, 30, FaultModel.Stuck1)));
        }
        foreach (var site in plain.Sites.Activations)
            faults.Add(new PlannedFault(faults.Count, new Fault(FaultTarget.Activation, site.Tensor, site.Elements / 2, 30, FaultModel.Flip)));
        var sink = new ListSink();
        plain.Run(faults, sink);
        Assert.Contains(sink.Outcomes, o => o.NonFinite > 0);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }

    [Theory]
    [InlineData(FaultTarget.Weight)]
    [InlineData(FaultTarget.Activation)]
    public void Logits_are_bit_identical_with_cache_groups_and_partial_batches(FaultTarget target)
    {
        // 45 images in chunks of 16 (row plans of 1..16 images); a budget of two chunks' caches makes 2 groups.
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var data = RunnerFixtures.Images(45);
        var options = new RunnerOptions { Threads = 2, BatchSize = 32, ImageChunk = 16, ConeChunk = 16 };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        long chunkBytes = GoldenCache.EstimateBytes(model, [(0, data.Slice(0, 16))]);
        var grouped = new FaultRunner(model, data, options with { MemoryBudget = 2 * chunkBytes + chunkBytes / 2 });
        Assert.Equal(2, grouped.CacheGroupCount);
        var faults = new List<PlannedFault>();
        ulong seed = 3;
        foreach (var spec in new[] { "flip", "stuck1", "flip:rand3" })
            faults.AddRange(RunnerFixtures.Sample(plain, target, spec, 40, seed++).Select(f => f with { Index = faults.Count + f.Index }));
        RunnerFixtures.AssertSameOutcomes(plain, grouped, faults);
        foreach (var f in faults.Take(30)) RunnerFixtures.AssertSameLogits(plain, grouped, f.Fault, 45);
    }

    [Fact]
    public void A_group_switch_lets_the_previous_groups_cache_go_before_building_the_next()
    {
        // The budget bounds one group's cache: when the next is built, the last must be unreachable (the idle
        // workers that read it included), or the process would hold two of them and more.
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var data = RunnerFixtures.Images(45);
        var options = new RunnerOptions { Threads = 2, BatchSize = 32, ImageChunk = 16, ConeChunk = 16 };
        long chunkBytes = GoldenCache.EstimateBytes(model, [(0, data.Slice(0, 16))]);
        var runner = new FaultRunner(model, data, options with { MemoryBudget = 2 * chunkBytes + chunkBytes / 2 });
        Assert.Equal(2, runner.CacheGroupCount);
        var first = WeakCache(runner);
        int switches = 0;
        runner.BeforeCacheBuilt = () =>
        {
            GC.Collect();
            Assert.False(first.IsAlive, "the first group's cache is still reachable while the next one is built");
            switches++;
        };
        runner.Run(RunnerFixtures.Sample(runner, FaultTarget.Activation, "flip", 40, 5), new ListSink());
        Assert.True(switches >= 1);
    }

    // In a method of its own: a Debug build keeps a method's temporaries alive until it returns.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference WeakCache(FaultRunner runner) => new(runner.CurrentCache ?? throw new InvalidOperationException("no cache"));

    [Fact]
    public void A_worker_made_on_a_group_of_small_chunks_runs_a_group_of_larger_ones()
    {
        // The runner makes a worker on whichever group's cache is current, then lends it to every group: here one
        // made on the 13-image tail then reads 16-image chunks, with a fault that perturbs every image.
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var data = RunnerFixtures.Images(29);
        var runner = new FaultRunner(model, data, new RunnerOptions { Plain = true });
        var encodings = runner.Sites.Activations.ToDictionary(s => s.Tensor, s => runner.ActivationEncoding(s.Tensor));
        var observer = new InjectionObserver(encodings, quantize: false);
        var tail = new GoldenCache(model, runner.Weights, observer, [(16, data.Slice(16, 13))]);
        var head = new GoldenCache(model, runner.Weights, observer, [(0, data.Slice(0, 16))]);
        var cone = new ConeWorker(model, runner.Weights, observer, tail, encodings, quantize: false, walkImages: 32);
        cone.Use(head);
        var plain = new Worker(model, runner.Weights, observer, [(0, data.Slice(0, 16))]);
        var bias = runner.Sites.Weights.First(s => s.Tensor.EndsWith("bias", StringComparison.Ordinal));
        var fault = new Fault(FaultTarget.Weight, bias.Tensor, 0, 30, FaultModel.Flip);
        var (golden, want, got) = (new float[16][], new float[16][], new float[16][]);
        plain.Run(null, (n, row) => golden[n] = row.ToArray());
        plain.Run(fault, (n, row) => want[n] = row.ToArray());
        cone.Run(fault, (n, row) => got[n] = row.ToArray());
        for (int n = 0; n < 16; n++)
        {
            Assert.NotEqual(golden[n], want[n]);
            Assert.Equal(want[n].Select(BitConverter.SingleToInt32Bits), got[n].Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(FaultTarget.Weight)]
    [InlineData(FaultTarget.Activation)]
    public void Outcomes_do_not_depend_on_how_either_path_chunks_the_images(FaultTarget target)
    {
        // Plain in chunks of 7; accelerated in one chunk of all 30 images.
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var data = RunnerFixtures.Images(30);
        var plain = new FaultRunner(model, data, new RunnerOptions { Plain = true, ImageChunk = 7 });
        var fast = new FaultRunner(model, data, new RunnerOptions { ImageChunk = 7, ConeChunk = 30 });
        Assert.True(fast.Accelerated);
        var faults = RunnerFixtures.Sample(plain, target, "flip", 300, 11);
        RunnerFixtures.AssertSameOutcomes(plain, fast, faults);
    }
}
