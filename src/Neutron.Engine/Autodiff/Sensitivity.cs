// Gradient sensitivity of a model on a set of images: per trainable parameter element and per node-output element,
// the mean over image chunks of |∂L/∂x| for a loss L (the golden top-1 margin or cross-entropy on the labels),
// and each node output's mean |value|. A chunk of one image (the default) gives the mean of per-image gradient
// magnitudes, so images pulling a value in opposite directions do not cancel. What a change of a stored value
// does is the caller's business (the fault layer turns these into per-bit scores); this is plain autodiff.
// BatchNormalization's running mean and variance are statistics, not parameters, yet stored values a memory fault can
// hit: their gradients follow exactly from the scale's and shift's, per channel (see StatisticGradients).
namespace Neutron.Engine.Autodiff;

public enum SensitivityLoss
{
    /// <summary>z[top-1] − max other logit, on the model's own (golden) top-1.</summary>
    Margin,
    /// <summary>Softmax cross-entropy on the data set's labels.</summary>
    CrossEntropy,
}

/// <summary>Mean gradient magnitudes by value name (parameters: the initializer's elements; node outputs: one
/// image's elements) and each node output's mean |value| per element.</summary>
public sealed record SensitivityResult(
    IReadOnlyDictionary<string, float[]> Parameters,
    IReadOnlyDictionary<string, float[]> Outputs,
    IReadOnlyDictionary<string, float[]> OutputMagnitudes,
    double MeanLoss, int Images)
{
    /// <summary>BatchNormalization variances (input 4) by name: a value that falls below −ε makes √(σ² + ε) NaN.</summary>
    public IReadOnlySet<string> Variances { get; init; } = new HashSet<string>();
}

public static class Sensitivity
{
    /// <summary>
    /// Runs net over images (N, ...) in chunks of <paramref name="chunk"/> images. <paramref name="classes"/> are the
    /// golden top-1 per image for the margin loss, the labels for cross-entropy. <paramref name="outputs"/>: the node
    /// outputs to measure (none by default; a parameter-only run keeps nothing else).
    /// </summary>
    public static SensitivityResult Measure(ModelTape net, float[] images, int[] imageShape, ReadOnlySpan<int> classes,
        SensitivityLoss loss = SensitivityLoss.Margin, int chunk = 1, IReadOnlySet<string>? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        int n = imageShape[0];
        if (n < 1 || classes.Length < n) throw new ArgumentException($"{classes.Length} classes for {n} images", nameof(classes));
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        int per = images.Length / n;
        var parameters = net.Parameters;
        var sums = parameters.ToDictionary(p => p.Name, p => new double[p.Length], StringComparer.Ordinal);
        var outSums = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var outMagnitudes = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var captured = new List<(string Name, Var Value)>();
        var previous = net.OutputTransform;
        if (outputs is { Count: > 0 })
            net.OutputTransform = (tape, name, v) =>
            {
                var y = previous is null ? v : previous(tape, name, v);
                if (outputs.Contains(name)) captured.Add((name, y));
                return y;
            };
        var tape = new Tape { Training = false };
        double lossSum = 0;
        int chunks = 0;
        var labels = classes.ToArray();
        try
        {
            for (int start = 0; start < n; start += chunk)
            {
                int count = Math.Min(chunk, n - start);
                var shape = (int[])imageShape.Clone();
                shape[0] = count;
                var x = new Var(images.AsSpan(start * per, count * per).ToArray(), shape);
                foreach (var p in parameters) p.Grad = null;
                captured.Clear();
                tape.Reset();
                var logits = net.Forward(tape, x);
                var y = logits.Rank == 2 ? logits : tape.Flatten(logits, 1);
                var l = loss == SensitivityLoss.Margin ? tape.TopOneMargin(y, labels.AsSpan(start, count)) : tape.SoftmaxCrossEntropy(y, labels.AsSpan(start, count));
                lossSum += l.Data[0];
                chunks++;
                tape.Backward(l);
                foreach (var p in parameters)
                    if (p.Grad is { } g) Accumulate(sums[p.Name], g, 1);
                foreach (var (name, v) in captured)
                {
                    int size = v.Length / count;
                    if (!outSums.TryGetValue(name, out var s)) { outSums[name] = s = new double[size]; outMagnitudes[name] = new double[size]; }
                    // Gradients of the chunk's mean loss: scale back to one image's own loss.
                    if (v.Grad is { } g)
                        for (int i = 0; i < count; i++) Accumulate(s, g.AsSpan(i * size, size), count);
                    for (int i = 0; i < count; i++) Accumulate(outMagnitudes[name], v.Data.AsSpan(i * size, size), 1);
                }
            }
        }
        finally
        {
            net.OutputTransform = previous;
            foreach (var p in parameters) p.Grad = null;
        }
        var means = sums.ToDictionary(kv => kv.Key, kv => Mean(kv.Value, chunks), StringComparer.Ordinal);
        var variances = StatisticGradients(net, means);
        return new SensitivityResult(
            means,
            outSums.ToDictionary(kv => kv.Key, kv => Mean(kv.Value, n), StringComparer.Ordinal),
            outMagnitudes.ToDictionary(kv => kv.Key, kv => Mean(kv.Value, n), StringComparer.Ordinal),
            lossSum / chunks, n) { Variances = variances };
    }

    /// <summary>
    /// y = γ (x − μ)/s + β with s = √(σ² + ε), per channel c: ∂L/∂μ_c = −(γ_c/s_c)·∂L/∂β_c and
    /// ∂L/∂σ²_c = −γ_c/(2(σ²_c + ε))·∂L/∂γ_c. Both are a fixed multiple of a parameter's gradient, so their mean
    /// magnitudes are that multiple of the parameter's (exact for chunks of one image, as for any chunk).
    /// </summary>
    static HashSet<string> StatisticGradients(ModelTape net, Dictionary<string, float[]> means)
    {
        var variances = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in net.Model.Nodes)
        {
            if (node.OpType != "BatchNormalization" || node.Inputs.Length < 5) continue;
            string gamma = node.Inputs[1], beta = node.Inputs[2], mean = node.Inputs[3], variance = node.Inputs[4];
            variances.Add(variance);
            if (!means.TryGetValue(gamma, out var gGamma) || !means.TryGetValue(beta, out var gBeta)) continue;
            var scale = net.Model.Initializers[gamma].Floats;
            var v = net.Model.Initializers[variance].Floats;
            float eps = node.Attributes.Float("epsilon", 1e-5f);
            var gMean = new float[v.Length];
            var gVariance = new float[v.Length];
            for (int c = 0; c < v.Length; c++)
            {
                gMean[c] = Math.Abs(scale[c]) / MathF.Sqrt(v[c] + eps) * gBeta[c];
                gVariance[c] = Math.Abs(scale[c]) / (2 * (v[c] + eps)) * gGamma[c];
            }
            means.TryAdd(mean, gMean);
            means.TryAdd(variance, gVariance);
        }
        return variances;
    }

    static void Accumulate(double[] sum, ReadOnlySpan<float> g, float scale)
    {
        for (int i = 0; i < sum.Length; i++) sum[i] += Math.Abs(g[i] * scale);
    }

    static float[] Mean(double[] sum, int count)
    {
        var m = new float[sum.Length];
        for (int i = 0; i < m.Length; i++) m[i] = (float)(sum[i] / count);
        return m;
    }
}
