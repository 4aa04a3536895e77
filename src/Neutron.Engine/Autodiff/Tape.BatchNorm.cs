// BatchNormalization on the tape, per channel (axis 1). Training: normalises with the batch's mean and biased
// variance and moves the running statistics (ONNX convention: running = momentum·running + (1−momentum)·batch,
// the variance unbiased as PyTorch keeps it). Eval: the running statistics, as the inference operator.
//   x: (N, C, ...)   scale, bias, mean, var: (C)   y: like x
using Neutron.Engine.Execution;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    public Var BatchNormalization(Var x, Var scale, Var bias, float[] runningMean, float[] runningVar, float epsilon = 1e-5f, float momentum = 0.9f)
    {
        if (x.Rank < 2) throw new ArgumentException($"BatchNormalization needs at least 2-D x, got {x}");
        int n = x.Shape[0], c = x.Shape[1], inner = x.Length / Math.Max(n * c, 1), count = n * inner;
        if (scale.Length != c || bias.Length != c || runningMean.Length != c || runningVar.Length != c)
            throw new ArgumentException($"BatchNormalization parameters must have {c} values");
        var xd = x.Data;
        var y = new float[xd.Length];
        var mean = new float[c];
        var invStd = new float[c];
        bool training = Training;
        Parallelism.For(c, 2L * count, ch =>
        {
            float mu, variance;
            if (training)
            {
                double s = 0;
                for (int img = 0; img < n; img++)
                    foreach (float v in xd.AsSpan((img * c + ch) * inner, inner)) s += v;
                mu = (float)(s / count);
                double q = 0;
                for (int img = 0; img < n; img++)
                    foreach (float v in xd.AsSpan((img * c + ch) * inner, inner)) q += (v - mu) * (double)(v - mu);
                variance = (float)(q / count);
                runningMean[ch] = momentum * runningMean[ch] + (1 - momentum) * mu;
                float unbiased = count > 1 ? (float)(q / (count - 1)) : variance;
                runningVar[ch] = momentum * runningVar[ch] + (1 - momentum) * unbiased;
            }
            else
            {
                mu = runningMean[ch];
                variance = runningVar[ch];
            }
            mean[ch] = mu;
            float inv = invStd[ch] = 1f / MathF.Sqrt(variance + epsilon);
            float a = scale.Data[ch] * inv, b = bias.Data[ch] - mu * a;
            for (int img = 0; img < n; img++)
            {
                int start = (img * c + ch) * inner;
                for (int i = start; i < start + inner; i++) y[i] = xd[i] * a + b;
            }
        });
        return Output(y, x.Shape, Any(x, scale, bias), dy =>
        {
            float[]? dx = x.RequiresGrad ? x.GradBuffer : null;
            float[]? dScale = scale.RequiresGrad ? scale.GradBuffer : null;
            float[]? dBias = bias.RequiresGrad ? bias.GradBuffer : null;
            Parallelism.For(c, 3L * count, ch =>
            {
                float mu = mean[ch], inv = invStd[ch], gamma = scale.Data[ch];
                double sumDy = 0, sumDyXhat = 0;
                for (int img = 0; img < n; img++)
                {
                    int start = (img * c + ch) * inner;
                    for (int i = start; i < start + inner; i++)
                    {
                        sumDy += dy[i];
                        sumDyXhat += dy[i] * (xd[i] - mu) * inv;
                    }
                }
                if (dScale is not null) dScale[ch] += (float)sumDyXhat;
                if (dBias is not null) dBias[ch] += (float)sumDy;
                if (dx is null) return;
                if (!training)
                {
                    // The statistics are constants: the layer is an affine map per channel.
                    float a = gamma * inv;
                    for (int img = 0; img < n; img++)
                    {
                        int start = (img * c + ch) * inner;
                        for (int i = start; i < start + inner; i++) dx[i] += dy[i] * a;
                    }
                    return;
                }
                // dx = γ·inv/m · (m·dy − Σdy − x̂·Σ(dy·x̂)): the batch statistics depend on x too.
                float k = gamma * inv / count, mdy = (float)sumDy, mdx = (float)sumDyXhat;
                for (int img = 0; img < n; img++)
                {
                    int start = (img * c + ch) * inner;
                    for (int i = start; i < start + inner; i++)
                        dx[i] += k * (count * dy[i] - mdy - (xd[i] - mu) * inv * mdx);
                }
            });
        });
    }
}
