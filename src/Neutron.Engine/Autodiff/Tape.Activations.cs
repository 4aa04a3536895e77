// Pointwise activations on the tape: Sigmoid, Tanh, LeakyRelu, Clip, HardSigmoid, HardSwish (ONNX definitions,
// the attributes' defaults are ModelTape's). Forward in float like the engine's operators, NaN kept; the gradient is
// the derivative's closed form, 0 where the function is flat (Clip and HardSigmoid outside their ramp, as PyTorch's
// hardtanh and hardsigmoid backward give). Their finite-difference checks are tests/.../OpGradientTests.cs.
namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <summary>y = 1 / (1 + e^−x); dy/dx = y(1 − y).</summary>
    public Var Sigmoid(Var x)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = 1f / (1f + MathF.Exp(-xd[i]));
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * y[i] * (1f - y[i]);
        });
    }

    /// <summary>y = tanh x; dy/dx = 1 − y².</summary>
    public Var Tanh(Var x)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = MathF.Tanh(xd[i]);
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * (1f - y[i] * y[i]);
        });
    }

    /// <summary>y = x for x ≥ 0, αx below.</summary>
    public Var LeakyRelu(Var x, float alpha)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = xd[i] >= 0f || float.IsNaN(xd[i]) ? xd[i] : alpha * xd[i];
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++) dx[i] += xd[i] >= 0f ? dy[i] : alpha * dy[i];
        });
    }

    /// <summary>y = min(max(x, lo), hi); the gradient passes strictly inside (lo, hi).</summary>
    public Var Clip(Var x, float lo, float hi)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = float.IsNaN(xd[i]) ? xd[i] : Math.Min(Math.Max(xd[i], lo), hi);
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++) if (xd[i] > lo && xd[i] < hi) dx[i] += dy[i];
        });
    }

    /// <summary>y = max(0, min(1, αx + β)); dy/dx = α on the ramp.</summary>
    public Var HardSigmoid(Var x, float alpha, float beta)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = float.IsNaN(xd[i]) ? xd[i] : Math.Max(0f, Math.Min(1f, alpha * xd[i] + beta));
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++)
            {
                float t = alpha * xd[i] + beta;
                if (t > 0f && t < 1f) dx[i] += alpha * dy[i];
            }
        });
    }

    /// <summary>y = x · max(0, min(1, x/6 + ½)); dy/dx = 0 below −3, 1 above 3, x/3 + ½ between.</summary>
    public Var HardSwish(Var x)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = xd[i] * Math.Max(0f, Math.Min(1f, xd[i] / 6f + 0.5f));
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++)
                dx[i] += xd[i] <= -3f ? 0f : xd[i] >= 3f ? dy[i] : dy[i] * (xd[i] / 3f + 0.5f);
        });
    }
}
