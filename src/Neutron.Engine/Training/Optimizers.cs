// Parameter updates from accumulated gradients, PyTorch's conventions (so hyper-parameters carry over):
// SGD: v = μ·v + (g + λ·p), p −= lr·v.  Adam: L2 decay added to g, bias-corrected moments.
// Step also zeroes the gradients it consumed.
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Training;

public abstract class Optimizer
{
    protected Optimizer(IReadOnlyList<Var> parameters) => Parameters = parameters;

    public IReadOnlyList<Var> Parameters { get; }

    public void Step(float learningRate)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is not { } g) continue;
            Update(i, p.Data, g, learningRate);
            Array.Clear(g);
        }
    }

    protected abstract void Update(int index, float[] p, float[] g, float learningRate);
}

public sealed class Sgd(IReadOnlyList<Var> parameters, float momentum = 0.9f, float weightDecay = 0f) : Optimizer(parameters)
{
    private readonly float[][] velocity = parameters.Select(p => new float[p.Length]).ToArray();

    protected override void Update(int index, float[] p, float[] g, float learningRate)
    {
        var v = velocity[index];
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = momentum * v[i] + g[i] + weightDecay * p[i];
            p[i] -= learningRate * v[i];
        }
    }
}

public sealed class Adam(IReadOnlyList<Var> parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
    : Optimizer(parameters)
{
    private readonly float[][] m = parameters.Select(p => new float[p.Length]).ToArray();
    private readonly float[][] v = parameters.Select(p => new float[p.Length]).ToArray();
    private readonly int[] steps = new int[parameters.Count];

    protected override void Update(int index, float[] p, float[] g, float learningRate)
    {
        var mi = m[index];
        var vi = v[index];
        int t = ++steps[index];
        float c1 = 1f - MathF.Pow(beta1, t), c2 = 1f - MathF.Pow(beta2, t);
        for (int i = 0; i < p.Length; i++)
        {
            float grad = g[i] + weightDecay * p[i];
            mi[i] = beta1 * mi[i] + (1 - beta1) * grad;
            vi[i] = beta2 * vi[i] + (1 - beta2) * grad * grad;
            p[i] -= learningRate * (mi[i] / c1) / (MathF.Sqrt(vi[i] / c2) + epsilon);
        }
    }
}
