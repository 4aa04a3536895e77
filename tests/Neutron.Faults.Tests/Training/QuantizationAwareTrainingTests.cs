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

    [Fact]
    public void A_datapath_format_quantises_every_node_output_and_still_trains()
    {
        // fxp8.6 activations: every node output on the 1/64 grid within [-2, 2), as a campaign with
        // --datapath fxp8.6 computes them, and the net still fits a batch through the saturating steps.
        var format = NumberFormat.Parse("fxp8.6");
        var rng = new System.Random(4);
        var images = new float[16 * 28 * 28];
        for (int i = 0; i < images.Length; i++) images[i] = (float)(rng.NextDouble() * 2 - 1);
        var set = new ImageSet(images, Enumerable.Range(0, 16).Select(i => i % 10).ToArray(), 1, 28, 28, 10, [0f]);
        var net = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 2));
        QuantizationAwareTraining.Attach(net, format);
        QuantizationAwareTraining.AttachDatapath(net, format);
        var seen = new List<string>();
        var quantise = net.OutputTransform!;
        net.OutputTransform = (tape, name, v) =>
        {
            seen.Add(name);
            return quantise(tape, name, v);
        };
        new Trainer(net, new TrainerOptions { Epochs = 60, BatchSize = 16, Optimizer = OptimizerKind.Adam, LearningRate = 3e-3f, WeightDecay = 0, Schedule = ScheduleKind.Constant }).Fit(set);
        Assert.Equal(1.0, Trainer.Evaluate(net, set));
        Assert.Superset(net.Model.Nodes.Select(n => n.Outputs[0]).ToHashSet(), seen.ToHashSet());
        Assert.Equal(net.Model.Nodes.Count, seen.Distinct().Count());

        var logits = net.Forward(new Tape { Recording = false }, new Var(images, [16, 1, 28, 28])).Data;
        Assert.All(logits, v => Assert.True(v >= -2 && v < 2 && v * 64 == MathF.Round(v * 64), $"logit {v} is not an fxp8.6 value"));

        QuantizationAwareTraining.AttachDatapath(net, NumberFormat.Fp32);
        Assert.Null(net.OutputTransform);
    }
}
