// QAT: a small LeNet-5 trained with fake quantisation still fits its batch, and freezing it stores exactly the
// values the fake-quantised forward computed with (same logits, every weight representable in the format).
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Neutron.Faults.Formats;
using Neutron.Faults.Training;

namespace Neutron.Faults.Tests.Training;

public class QuantizationAwareTrainingTests
{
    [Theory]
    [InlineData("fxp8.6")]
    [InlineData("int8")]
    public void Trains_and_freezes_to_the_same_forward(string formatText)
    {
        var format = NumberFormat.Parse(formatText);
        var rng = new System.Random(3);
        var images = new float[16 * 28 * 28];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var set = new ImageSet(images, Enumerable.Range(0, 16).Select(i => i % 10).ToArray(), 1, 28, 28, 10, [0f]);
        var net = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 2));
        QuantizationAwareTraining.Attach(net, format);
        new Trainer(net, new TrainerOptions { Epochs = 40, BatchSize = 16, Optimizer = OptimizerKind.Adam, LearningRate = 3e-3f, WeightDecay = 0, Schedule = ScheduleKind.Constant }).Fit(set);
        Assert.Equal(1.0, Trainer.Evaluate(net, set));

        var x = new Var(images, [16, 1, 28, 28]);
        var during = net.Forward(new Tape { Recording = false }, x).Data;
        QuantizationAwareTraining.Freeze(net, format);
        Assert.Null(net.ParameterTransform);
        var after = net.Forward(new Tape { Recording = false }, x).Data;
        Assert.Equal(during, after);

        var quantized = QuantizationAwareTraining.QuantizedParameters(net);
        Assert.Equal(10, quantized.Count); // 5 layers × (weight, bias)
        foreach (var p in net.Parameters.Where(p => quantized.Contains(p.Name)))
        {
            var again = (float[])p.Data.Clone();
            format.ForTensor(again, p.Shape, true).Quantize(again);
            Assert.Equal(p.Data, again);
        }
    }
}
