// ImageGroups against one run over the whole batch: the same bits on the ../shared models and the torchvision
// exports, whatever the threads and the batch; and graphs whose images meet never run so.
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Engine.Tests.Reference;
using Neutron.Tests.Shared;

namespace Neutron.Engine.Tests.Execution;

public class ImageGroupsTests
{
    // Batches that split unevenly, groups of the whole share and of MinGroup, more slots than the machine's cores.
    [Theory]
    [InlineData("lenet5.onnx", 7, 2)]
    [InlineData("lenet5.onnx", 150, 2)]
    [InlineData("resnet20.onnx", 41, 3)]
    [InlineData("resnet20.onnx", 64, 2)]
    public void Groups_give_the_bits_of_one_run_over_the_batch(string file, int batch, int threads)
    {
        var model = OnnxReader.Load(SharedData.Path("models", file));
        var all = Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy"));
        int image = all.Length / all.Shape[0];
        var x = Tensor.FromFloats(all.Floats[..(batch * image)].ToArray(), [batch, .. all.Shape[1..]]);
        AssertSameBits(model, x, threads);
    }

    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [Trait("Category", "Slow")]
    [MemberData(nameof(TorchvisionTests.Models), MemberType = typeof(TorchvisionTests))]
    public void Torchvision_groups_give_the_bits_of_one_run_over_the_batch(string name)
    {
        Assert.Null(TorchvisionExport.Skip.Value);
        var model = OnnxReader.Load(Path.Combine(TorchvisionExport.Folder, name + ".onnx"));
        var stored = Npy.Load(Path.Combine(TorchvisionExport.Folder, name + "_x.npy"));
        // The benchmark's batch of 8, from the stored images each scaled by a factor of its own.
        const int batch = 8;
        int images = stored.Shape[0], image = stored.Length / images;
        var x = Tensor.Zeros(DataType.Float, [batch, .. stored.Shape[1..]]);
        for (int i = 0; i < batch; i++)
            for (int e = 0; e < image; e++) x.Floats[i * image + e] = stored.Floats[i % images * image + e] * (1 + 0.1f * i);
        AssertSameBits(model, x, 2);
    }

    [Fact]
    public void A_softmax_across_the_images_keeps_the_batch_whole()
    {
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("Softmax", new() { ["axis"] = 0L })), Batch(8), 2));
        Assert.NotNull(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("Softmax", new() { ["axis"] = 1L })), Batch(8), 2));
    }

    [Fact]
    public void A_transpose_of_the_image_axis_keeps_the_batch_whole()
    {
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("Transpose", new() { ["perm"] = new long[] { 1, 0 } })), Batch(8), 2));
        Assert.NotNull(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("Transpose", new() { ["perm"] = new long[] { 0, 1 } })), Batch(8), 2));
    }

    [Fact]
    public void A_reduction_over_the_image_axis_keeps_the_batch_whole()
    {
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("ReduceMean", new() { ["axes"] = new long[] { 0 } })), Batch(8), 2));
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("ReduceMean", [])), Batch(8), 2));
        Assert.NotNull(ImageGroups.TryCreate(() => InferenceSession.Optimized(Dense("ReduceMean", new() { ["axes"] = new long[] { -1 } })), Batch(8), 2));
    }

    // h / (float)h.shape[0]: a value of the batch's size, which a group would see as its own.
    [Fact]
    public void A_value_computed_from_the_batch_size_keeps_the_batch_whole()
    {
        var model = Dense("Relu", []);
        var size = new Node[]
        {
            new() { Name = "shape", OpType = "Shape", Inputs = ["h"], Outputs = ["s"], Attributes = new Attributes([], "Shape") },
            new() { Name = "first", OpType = "Gather", Inputs = ["s", "zero"], Outputs = ["n"], Attributes = new Attributes([], "Gather") },
            new() { Name = "cast", OpType = "Cast", Inputs = ["n"], Outputs = ["nf"], Attributes = new Attributes(new() { ["to"] = 1L }, "Cast") },
            new() { Name = "div", OpType = "Div", Inputs = ["y", "nf"], Outputs = ["z"], Attributes = new Attributes([], "Div") },
        };
        var divided = new Model
        {
            Nodes = [.. model.Nodes, .. size], Initializers = new(model.Initializers) { ["zero"] = Tensor.ScalarLong(0) },
            Inputs = model.Inputs, Outputs = [new ValueInfo("z", DataType.Undefined, null)], Opsets = model.Opsets,
        };
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(divided), Batch(8), 2));
        Assert.NotNull(ImageGroups.TryCreate(() => InferenceSession.Optimized(model), Batch(8), 2));
    }

    // A graph whose input declares its batch (8, not a symbolic size) has no plan for a group.
    [Fact]
    public void A_graph_of_a_fixed_batch_keeps_the_batch_whole()
    {
        var model = Dense("Relu", []);
        var fixedBatch = new Model
        {
            Nodes = model.Nodes, Initializers = model.Initializers, Inputs = [new ValueInfo("x", DataType.Float, [8, 4])],
            Outputs = model.Outputs, Opsets = model.Opsets,
        };
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(fixedBatch), Batch(8), 2));
    }

    [Fact]
    public void One_thread_or_too_few_images_keep_the_batch_whole()
    {
        var model = OnnxReader.Load(SharedData.Path("models", "lenet5.onnx"));
        var x = Tensor.Zeros(DataType.Float, 3, 1, 28, 28);
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(model), new Dictionary<string, Tensor> { [model.RequiredInputs.Single().Name] = x }, 2));
        var y = Tensor.Zeros(DataType.Float, 30, 1, 28, 28);
        Assert.Null(ImageGroups.TryCreate(() => InferenceSession.Optimized(model), new Dictionary<string, Tensor> { [model.RequiredInputs.Single().Name] = y }, 1));
    }

    private static void AssertSameBits(Model model, Tensor x, int threads)
    {
        var inputs = new Dictionary<string, Tensor> { [model.RequiredInputs.Single().Name] = x };
        var whole = InferenceSession.Optimized(model).Run(inputs);
        var groups = ImageGroups.TryCreate(() => InferenceSession.Optimized(model), inputs, threads);
        Assert.NotNull(groups);
        Assert.Equal(threads, groups.Threads);
        // Twice: the second run reuses every buffer.
        for (int round = 0; round < 2; round++)
        {
            groups.Run();
            foreach (var (name, expected) in whole)
            {
                var actual = groups.Outputs[name];
                Assert.Equal(expected.Shape, actual.Shape);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected.Floats[i]) == BitConverter.SingleToInt32Bits(actual.Floats[i]),
                        $"{name}[{i}]: one run {expected.Floats[i]}, groups {actual.Floats[i]} (group {groups.Group})");
            }
        }
    }

    // x (N, 4) → Gemm with a constant → `op` with its attributes → y.
    private static Model Dense(string op, Dictionary<string, object> attributes)
    {
        var w = Tensor.Zeros(DataType.Float, 4, 4);
        for (int i = 0; i < w.Length; i++) w.Floats[i] = i % 5 - 2;
        return new Model
        {
            Nodes =
            [
                new Node { Name = "gemm", OpType = "Gemm", Inputs = ["x", "w"], Outputs = ["h"], Attributes = new Attributes([], "Gemm") },
                new Node { Name = "last", OpType = op, Inputs = ["h"], Outputs = ["y"], Attributes = new Attributes(attributes, op) },
            ],
            Initializers = new() { ["w"] = w },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 4])],
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = 13 },
        };
    }

    private static Dictionary<string, Tensor> Batch(int n) => new() { ["x"] = Tensor.Zeros(DataType.Float, n, 4) };
}
