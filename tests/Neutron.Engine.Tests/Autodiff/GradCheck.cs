// Finite-difference gradient check: compares the tape's gradient of L = Σ y·r (r fixed random) with central
// differences of L computed in double, element by element, for every input that requires a gradient.
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Tests.Autodiff;

internal static class GradCheck
{
    public static Var Random(Random rng, bool requiresGrad, params int[] shape)
    {
        var v = Var.Zeros(shape);
        var data = new float[v.Length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return new Var(data, shape, requiresGrad);
    }

    /// <summary>Values at least 0.05 away from zero, so ReLU-like kinks sit far from every finite-difference step.</summary>
    public static Var AwayFromZero(Random rng, bool requiresGrad, params int[] shape)
    {
        var v = Random(rng, requiresGrad, shape);
        for (int i = 0; i < v.Length; i++) v.Data[i] = MathF.CopySign(0.05f + MathF.Abs(v.Data[i]), v.Data[i]);
        return v;
    }

    public static void Check(Func<Tape, Var> f, Var[] inputs, bool training = false, float eps = 1e-3f, double tolerance = 1e-2, int maxPerInput = 60)
    {
        var rng = new Random(7);
        var probeTape = new Tape { Training = training };
        var y = f(probeTape);
        var r = new float[y.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(rng.NextDouble() * 2 - 1);
        var loss = probeTape.Sum(probeTape.Mul(y, new Var(r, y.Shape)));
        foreach (var x in inputs) x.Grad = null;
        probeTape.Backward(loss);

        double Evaluate()
        {
            var t = new Tape { Training = training };
            var out_ = f(t);
            double s = 0;
            for (int i = 0; i < r.Length; i++) s += (double)out_.Data[i] * r[i];
            return s;
        }

        int checkedCount = 0;
        foreach (var x in inputs)
        {
            Assert.True(x.RequiresGrad, $"{x} was given to the check but needs no gradient");
            var analytic = x.Grad ?? new float[x.Length];
            int step = Math.Max(1, x.Length / maxPerInput);
            for (int i = 0; i < x.Length; i += step)
            {
                float keep = x.Data[i];
                x.Data[i] = keep + eps;
                double plus = Evaluate();
                x.Data[i] = keep - eps;
                double minus = Evaluate();
                x.Data[i] = keep;
                double numeric = (plus - minus) / (2 * eps);
                double error = Math.Abs(numeric - analytic[i]) / Math.Max(1.0, Math.Abs(numeric) + Math.Abs(analytic[i]));
                Assert.True(error <= tolerance, $"{x} element {i}: analytic {analytic[i]}, numeric {numeric}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 0);
    }
}
