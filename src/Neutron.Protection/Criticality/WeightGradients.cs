// How much the network reads each stored weight, measured once by autodiff: per weight element, the mean over the
// images of |∂L/∂w| for the golden top-1 margin loss (Engine/Autodiff/Sensitivity.cs, one image per chunk so images
// pulling a weight in opposite ways do not cancel), on the weights as stored in the campaign's format. Structural
// features see a word and its bit; this sees what the rest of the network does with the value: two fc1 words with
// the same bits differ in how many downstream weights read their neuron and how strongly. BitFeatures multiplies it
// by the flip's exact δ into a first-order estimate of the loss change, |∂L/∂w·δ|.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Protection.Criticality;

public static class WeightGradients
{
    /// <summary>Per site of <paramref name="space"/> (in its order), the mean |∂L/∂w| of each element over the
    /// first <paramref name="count"/> images, or null for a site the tape has no parameter for. Throws
    /// ModelException when the model has an op the tape does not support.</summary>
    public static float[]?[] Measure(Model model, StoredWeights weights, FaultSpace space, Tensor images, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        count = Math.Min(count, images.Shape[0]);
        var net = new ModelTape(weights.CopyModel(model));
        int per = images.Length / images.Shape[0];
        var data = images.Floats[..(count * per)].ToArray();
        var shape = (int[])images.Shape.Clone();
        shape[0] = count;
        var sensitivity = Sensitivity.Measure(net, data, shape, GoldenTop1(net, data, shape), SensitivityLoss.Margin);
        return space.Sites.Select(s => sensitivity.Parameters.TryGetValue(s.Tensor, out var g) && g.Length == s.Elements ? g : null).ToArray();
    }

    /// <summary>The model's own top-1 per image (the margin loss is taken on it, as a campaign's golden run).</summary>
    static int[] GoldenTop1(ModelTape net, float[] images, int[] shape)
    {
        const int Chunk = 64;
        int n = shape[0], per = images.Length / n;
        var top1 = new int[n];
        var tape = new Tape { Training = false, Recording = false };
        for (int start = 0; start < n; start += Chunk)
        {
            int m = Math.Min(Chunk, n - start);
            var one = (int[])shape.Clone();
            one[0] = m;
            tape.Reset();
            var y = net.Forward(tape, new Var(images.AsSpan(start * per, m * per).ToArray(), one));
            int classes = y.Length / m;
            for (int i = 0; i < m; i++)
            {
                var row = y.Data.AsSpan(i * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
                top1[start + i] = best;
            }
        }
        return top1;
    }
}
