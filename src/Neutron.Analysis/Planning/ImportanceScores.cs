// The score of each fault position for an importance plan, from gradient sensitivity: s(x) = min(cap, |g|·|δ|),
// g the mean per-image gradient magnitude of the loss at the element (Engine/Autodiff/Sensitivity.cs) and δ the
// exact change of the element's value when the fault's mask hits its stored word in its number format. Rules:
// a δ that is Inf or NaN scores cap whatever g is (a non-finite value poisons every product, 0·Inf = NaN), and
// scores are capped at the loss change that would flip an average image (the mean golden top-1 margin, or ln K for
// cross-entropy), so the exponent bits whose δ is astronomically large share the proposal by gradient instead of
// by 10^38. A BatchNormalization variance changed below zero scores cap too (√ of a negative: NaN on every
// image, whatever the gradient says). Activation sites use each element's mean |value| over the images as the value their bit flips from.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Graph;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

/// <summary>The scores and damages of a space, an element at a time (what the proposal reads), their plain
/// per-position twins (the oracle the element path is checked against), and the score cap.</summary>
public sealed record ImportanceWeights(ElementWeights Score, ElementWeights Damage, Func<long, double> PlainScore, Func<long, double> PlainDamage, double Cap)
{
    public void Deconstruct(out ElementWeights score, out ElementWeights damage, out double cap) => (score, damage, cap) = (Score, Damage, Cap);
}

/// <summary>A drawn importance plan: the faults in draw order (index = draw) with their p and q.</summary>
public sealed record ImportancePlanResult(PlannedFault[] Faults, ImportanceDraw[] Draws, ImportanceDistribution Distribution, double Cap);

public static class ImportanceScores
{
    /// <summary>The value change δ when <paramref name="fault"/> hits a stored word, in the element's format.</summary>
    public static double Delta(Neutron.Faults.Formats.TensorEncoding encoding, long element, uint word, Fault fault) =>
        (double)encoding.Decode(element, fault.Mask.Apply(word)) - encoding.Decode(element, word);

    /// <summary>The score rule above, for one position.</summary>
    public static double Score(double gradient, double delta, double cap)
    {
        if (!double.IsFinite(delta)) return cap;
        double s = Math.Abs(gradient) * Math.Abs(delta);
        return double.IsFinite(s) ? Math.Min(cap, s) : cap;
    }

    /// <summary>The damage rule: how far a fault moves its value against the largest magnitude m of its site,
    /// min(1, |δ| / m); 1 for a δ that is Inf or NaN (or any change of an all-zero site).</summary>
    public static double Damage(double delta, double largest)
    {
        if (!double.IsFinite(delta)) return 1;
        if (delta == 0) return 0;
        return largest > 0 ? Math.Min(1, Math.Abs(delta) / largest) : 1;
    }

    /// <summary>Measures the sensitivity of <paramref name="model"/> (the campaign's model, weights as stored) on
    /// the runner's images and scores every position of the space.</summary>
    public static ImportanceWeights For(FaultSpace space, FaultRunner runner, Model model, ImportanceScore loss, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(runner);
        var net = new ModelTape(runner.Weights.CopyModel(model));
        var data = runner.Data;
        var shape = (int[])data.Images.Shape.Clone();
        shape[0] = data.Count;
        var images = data.Images.Floats[..(data.Count * data.PerImage)].ToArray();
        int[] classes = loss == ImportanceScore.Margin ? runner.Golden.Top1 : data.Labels.Take(data.Count).Select(l => (int)l).ToArray();
        var activations = space.Sites.Where(s => s.Target == FaultTarget.Activation).Select(s => s.Tensor).ToHashSet(StringComparer.Ordinal);
        var sens = Sensitivity.Measure(net, images, shape, classes, loss == ImportanceScore.Margin ? SensitivityLoss.Margin : SensitivityLoss.CrossEntropy, 1, activations);
        int classCount = runner.Golden.Top1.Length == 0 ? 2 : Math.Max(2, OutputWidth(net, images, shape));
        double cap = loss == ImportanceScore.Margin ? Math.Max(sens.MeanLoss, 1e-6) : Math.Log(classCount);

        var gradients = new float[space.Sites.Count][];
        var values = new float[space.Sites.Count][];
        var largest = new double[space.Sites.Count];
        for (int s = 0; s < space.Sites.Count; s++)
        {
            var site = space.Sites[s];
            var table = site.Target == FaultTarget.Weight ? sens.Parameters : sens.Outputs;
            if (!table.TryGetValue(site.Tensor, out var g) || g.Length != site.Elements)
                throw new ArgumentException($"{site}: autodiff gave no gradient for it (it is not a trainable parameter of the tape); importance plans need one for every site — narrow the space with --layer/--op, or use another plan");
            gradients[s] = g;
            if (site.Target == FaultTarget.Activation) values[s] = sens.OutputMagnitudes[site.Tensor];
            largest[s] = Largest(site, runner, values[s]);
        }
        // Both rules read the same δ: the score weighs it by the gradient, the damage by the site's largest value.
        // One element at a time: its stored word and golden value once, then each bit's mask (drawn as
        // space.FaultAt draws it, multi-bit models included) and δ.
        var encodings = new TensorEncoding[space.Sites.Count];
        var words = new ReadOnlyMemory<uint>[space.Sites.Count];
        var golden = new ReadOnlyMemory<float>[space.Sites.Count];
        var variance = new bool[space.Sites.Count];
        for (int s = 0; s < space.Sites.Count; s++)
        {
            var site = space.Sites[s];
            if (space.BitsInRange(s) == 0) continue;
            if (site.Target == FaultTarget.Weight)
            {
                encodings[s] = runner.Weights.Encoding(site.Tensor);
                words[s] = runner.Weights.Words(site.Tensor);
                golden[s] = runner.Weights.Values(site.Tensor);
                variance[s] = sens.Variances.Contains(site.Tensor);
            }
            else encodings[s] = runner.ActivationEncoding(site.Tensor);
        }
        var faultModel = space.Model;
        // Writes each bit's δ, and whether it drives a BatchNormalization variance below zero, for one element.
        void Changes(int s, long e, Span<double> deltas, Span<bool> poisoned)
        {
            var site = space.Sites[s];
            var enc = encodings[s];
            bool weight = site.Target == FaultTarget.Weight;
            uint word = weight ? words[s].Span[(int)e] : enc.Encode(e, values[s][e]);
            double before = enc.Decode(e, word);
            int low = space.LowBit(s);
            long first = space.Range(s).Start + e * deltas.Length;
            for (int b = 0; b < deltas.Length; b++)
            {
                int bit = low + b;
                var mask = faultModel.Draw(bit, site.Bits, seed, first + b).Mask(bit);
                double delta = (double)enc.Decode(e, mask.Apply(word)) - before;
                deltas[b] = delta;
                poisoned[b] = variance[s] && golden[s].Span[(int)e] + delta < 0;
            }
        }
        void Of(int s, long e, Span<double> weights)
        {
            Span<bool> poisoned = stackalloc bool[weights.Length];
            Changes(s, e, weights, poisoned);
            float g = gradients[s][e];
            for (int b = 0; b < weights.Length; b++) weights[b] = poisoned[b] ? cap : Score(g, weights[b], cap);
        }
        void DamageOf(int s, long e, Span<double> weights)
        {
            Span<bool> poisoned = stackalloc bool[weights.Length];
            Changes(s, e, weights, poisoned);
            for (int b = 0; b < weights.Length; b++) weights[b] = poisoned[b] ? 1 : Damage(weights[b], largest[s]);
        }
        // The plain twins: one position at a time through the fault the space holds there, as a campaign injects it.
        (double Delta, bool Poisoned, long Element) Change(long x, int s, FaultSite site)
        {
            var fault = space.FaultAt(x, seed);
            long e = fault.Index;
            if (site.Target == FaultTarget.Weight)
            {
                var enc = runner.Weights.Encoding(site.Tensor);
                double delta = Delta(enc, e, runner.Weights.Word(site.Tensor, e), fault);
                return (delta, sens.Variances.Contains(site.Tensor) && runner.Weights.Value(site.Tensor, e) + delta < 0, e);
            }
            var act = runner.ActivationEncoding(site.Tensor);
            return (Delta(act, e, act.Encode(e, values[s][e]), fault), false, e);
        }
        double PlainScore(long x)
        {
            int s = space.SiteOf(x);
            var (delta, poisoned, e) = Change(x, s, space.Sites[s]);
            return poisoned ? cap : Score(gradients[s][e], delta, cap);
        }
        double PlainDamage(long x)
        {
            int s = space.SiteOf(x);
            var (delta, poisoned, _) = Change(x, s, space.Sites[s]);
            return poisoned ? 1 : Damage(delta, largest[s]);
        }
        return new ImportanceWeights(Of, DamageOf, PlainScore, PlainDamage, cap);
    }

    /// <summary>The plan: <paramref name="plan"/>.Count draws from the proposal, each fault keyed by its draw.</summary>
    public static ImportancePlanResult Plan(FaultSpace space, ImportancePlan plan, ulong seed, FaultRunner runner, Model model)
    {
        var (score, damage, cap) = For(space, runner, model, plan.Score, seed);
        return Draw(space, new ImportanceDistribution(space, score, damage, plan.Alpha, plan.Damage), plan.Count, seed, cap);
    }

    /// <summary>The draws of a plan from a proposal already scored: what <see cref="Plan"/> does after the
    /// sensitivity pass, kept apart so a study of many seeds (bench/) scores once and draws exactly as campaigns do.</summary>
    public static ImportancePlanResult Draw(FaultSpace space, ImportanceDistribution distribution, long count, ulong seed, double cap)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(distribution);
        var draws = distribution.Draws(seed, count);
        var faults = new PlannedFault[draws.Length];
        for (int i = 0; i < draws.Length; i++) faults[i] = new PlannedFault(i, space.FaultAt(draws[i].Position, seed));
        return new ImportancePlanResult(faults, draws, distribution, cap);
    }

    /// <summary>The largest finite magnitude of a site: its stored weights as decoded, or an activation's mean
    /// magnitudes over the images.</summary>
    static double Largest(FaultSite site, FaultRunner runner, float[]? activations)
    {
        double m = 0;
        if (site.Target == FaultTarget.Weight)
            for (long e = 0; e < site.Elements; e++) { double v = Math.Abs(runner.Weights.Value(site.Tensor, e)); if (double.IsFinite(v) && v > m) m = v; }
        else
            foreach (float v in activations!) if (float.IsFinite(v) && Math.Abs(v) > m) m = Math.Abs(v);
        return m;
    }

    static int OutputWidth(ModelTape net, float[] images, int[] shape)
    {
        var one = (int[])shape.Clone();
        one[0] = 1;
        var tape = new Tape { Training = false, Recording = false };
        var y = net.Forward(tape, new Var(images.AsSpan(0, images.Length / shape[0]).ToArray(), one));
        return y.Length;
    }
}
