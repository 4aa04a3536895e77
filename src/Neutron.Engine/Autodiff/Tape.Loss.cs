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

public sealed partial class Tape
{
    /// <summary>
    /// The golden top-1 margin, averaged over the batch: z[r, t_r] − max_{j≠t_r} z[r, j] for the class t_r the
    /// network chose without perturbation. It reaches 0 exactly where that image's top-1 would change, so its
    /// gradient says how close a change in a value brings each image to a different answer. Gradient: +1/N at t_r,
    /// −1/N at the runner-up (the first one on ties).
    /// </summary>
    public Var TopOneMargin(Var logits, ReadOnlySpan<int> top1)
    {
        if (logits.Rank != 2 || logits.Shape[0] != top1.Length || logits.Shape[1] < 2)
            throw new ArgumentException($"logits {logits} need shape [N,K] with N = {top1.Length} rows and K ≥ 2");
        int n = logits.Shape[0], k = logits.Shape[1];
        var z = logits.Data;
        var best = top1.ToArray();
        var second = new int[n];
        double margin = 0;
        for (int r = 0; r < n; r++)
        {
            if ((uint)best[r] >= (uint)k) throw new ArgumentException($"top-1 {best[r]} of row {r} is outside [0, {k})");
            int s = -1;
            for (int j = 0; j < k; j++)
                if (j != best[r] && (s < 0 || z[r * k + j] > z[r * k + s])) s = j;
            second[r] = s;
            margin += z[r * k + best[r]] - z[r * k + s];
        }
        return Output([(float)(margin / n)], [], Any(logits), dy =>
        {
            var dz = logits.GradBuffer;
            float scale = dy[0] / n;
            for (int r = 0; r < n; r++)
            {
                dz[r * k + best[r]] += scale;
                dz[r * k + second[r]] -= scale;
            }
        });
    }
}
