// A tiny conv net on the tape, trained with plain gradient descent, must fit 16 random images with random labels
// exactly: the end-to-end check that forward, backward and the parameter updates fit together.
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Tests.Autodiff;

public class OverfitTests
{
    [Fact]
    public void Tiny_net_fits_a_tiny_batch()
    {
        var rng = new Random(5);
        var x = GradCheck.Random(rng, false, 16, 1, 8, 8);
        var labels = Enumerable.Range(0, 16).Select(i => i % 4).ToArray();
        var w1 = Scaled(GradCheck.Random(rng, true, 6, 1, 3, 3), 0.5f);
        var b1 = new Var(new float[6], [6], true);
        var gamma = new Var(Enumerable.Repeat(1f, 6).ToArray(), [6], true);
        var beta = new Var(new float[6], [6], true);
        float[] mean = new float[6], variance = Enumerable.Repeat(1f, 6).ToArray();
        var w2 = Scaled(GradCheck.Random(rng, true, 4, 6 * 4 * 4), 0.2f);
        var b2 = new Var(new float[4], [4], true);
        Var[] parameters = [w1, b1, gamma, beta, w2, b2];

        Var Forward(Tape t)
        {
            var h = t.Relu(t.BatchNormalization(t.Conv(x, w1, b1, [1, 1], [1, 1, 1, 1]), gamma, beta, mean, variance));
            h = t.MaxPool(h, [2, 2]);
            return t.Gemm(t.Flatten(h), w2, b2, transB: true);
        }

        float firstLoss = 0, loss = 0;
        for (int step = 0; step < 200; step++)
        {
            var tape = new Tape { Training = true };
            var l = tape.SoftmaxCrossEntropy(Forward(tape), labels);
            if (step == 0) firstLoss = l.Data[0];
            loss = l.Data[0];
            tape.Backward(l);
            foreach (var p in parameters)
            {
                for (int i = 0; i < p.Length; i++) p.Data[i] -= 0.1f * p.Grad![i];
                p.Grad = null;
            }
        }
        var logits = Forward(new Tape { Training = false });
        int correct = 0;
        for (int r = 0; r < 16; r++)
        {
            int best = 0;
            for (int j = 1; j < 4; j++) if (logits.Data[r * 4 + j] > logits.Data[r * 4 + best]) best = j;
            if (best == labels[r]) correct++;
        }
        Assert.True(loss < firstLoss / 10, $"loss went from {firstLoss} to {loss}");
        Assert.Equal(16, correct);
    }

    private static Var Scaled(Var v, float s)
    {
        for (int i = 0; i < v.Length; i++) v.Data[i] *= s;
        return v;
    }
}
