// Softmax cross-entropy over logits (N, K) and integer labels, averaged over the batch: the training loss.
// Computed stably (log-sum-exp around the row max); its gradient is (softmax − one-hot) / N.
namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    public Var SoftmaxCrossEntropy(Var logits, ReadOnlySpan<int> labels)
    {
        if (logits.Rank != 2 || logits.Shape[0] != labels.Length)
            throw new ArgumentException($"logits {logits} need shape [N,K] with N = {labels.Length} labels");
        int n = logits.Shape[0], k = logits.Shape[1];
        var z = logits.Data;
        var prob = new float[z.Length];
        var label = labels.ToArray();
        double loss = 0;
        for (int r = 0; r < n; r++)
        {
            if ((uint)label[r] >= (uint)k) throw new ArgumentException($"label {label[r]} of row {r} is outside [0, {k})");
            var row = z.AsSpan(r * k, k);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = Math.Max(max, v);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += prob[r * k + j] = MathF.Exp(row[j] - max);
            for (int j = 0; j < k; j++) prob[r * k + j] = (float)(prob[r * k + j] / sum);
            loss += Math.Log(sum) + max - row[label[r]];
        }
        return Output([(float)(loss / n)], [], Any(logits), dy =>
        {
            var dz = logits.GradBuffer;
            float scale = dy[0] / n;
            for (int r = 0; r < n; r++)
                for (int j = 0; j < k; j++)
                    dz[r * k + j] += scale * (prob[r * k + j] - (j == label[r] ? 1f : 0f));
        });
    }
}
