// Trained nets export to ONNX that our InferenceSession loads and that computes what the tape computes.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Engine.Training;

namespace Neutron.Engine.Tests.Training;

public class ExportTests
{
    internal static ImageSet RandomSet(int n, int channels, int size, int seed)
    {
        var rng = new Random(seed);
        var images = new float[n * channels * size * size];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = Enumerable.Range(0, n).Select(i => i % 10).ToArray();
        return new ImageSet(images, labels, channels, size, size, 10, new float[channels]);
    }

    [Theory]
    [InlineData("lenet5", 1, 28)]
    [InlineData("resnet20", 3, 32)]
    public void Trained_net_exports_and_reloads_with_the_same_outputs(string arch, int channels, int size)
    {
        var set = RandomSet(4, channels, size, 1);
        var net = new ModelTape(Architectures.Create(arch, channels, size, size, 10, seed: 3));
        new Trainer(net, new TrainerOptions { Epochs = 1, BatchSize = 2, LearningRate = 0.01f, Augmentation = new Augmentation(2, true) }).Fit(set);

        string path = Path.Combine(Path.GetTempPath(), $"neutron-export-{arch}-{Environment.ProcessId}.onnx");
        try
        {
            OnnxWriter.Save(net.Model, path);
            var loaded = OnnxReader.Load(path);
            Assert.Equal(13, loaded.Opset);
            Assert.Equal("input", loaded.RequiredInputs.Single().Name);
            Assert.Equal("N", loaded.RequiredInputs.Single().DimNames![0]);
            Assert.Equal("logits", loaded.Outputs[0].Name);
            Assert.Equal(arch == "resnet20", loaded.Nodes.Any(n => n.OpType == "BatchNormalization"));

            var x = new Var(set.Images, [4, channels, size, size]);
            var expected = net.Forward(new Tape { Training = false, Recording = false }, x);
            var actual = new InferenceSession(loaded).Run(Tensor.FromFloats(set.Images, 4, channels, size, size));
            Assert.Equal(expected.Shape, actual.Shape);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected.Data[i], actual.Floats[i], 4);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Loaded_model_fine_tunes()
    {
        // Fine-tuning: a model read back from ONNX trains on the tape and its loss falls.
        var set = RandomSet(16, 1, 28, 2);
        var original = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 4));
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(OnnxWriter.ToProto(original.Model));
        string path = Path.Combine(Path.GetTempPath(), $"neutron-finetune-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, bytes);
        try
        {
            var net = new ModelTape(OnnxReader.Load(path));
            Assert.Equal(original.ParameterCount, net.ParameterCount);
            var reports = new Trainer(net, new TrainerOptions { Epochs = 30, BatchSize = 16, Optimizer = OptimizerKind.Adam, LearningRate = 3e-3f, WeightDecay = 0, Schedule = ScheduleKind.Constant }).Fit(set);
            Assert.True(reports[^1].Loss < reports[0].Loss / 4, $"loss {reports[0].Loss} → {reports[^1].Loss}");
            Assert.Equal(1.0, Trainer.Evaluate(net, set));
        }
        finally { File.Delete(path); }
    }
}
