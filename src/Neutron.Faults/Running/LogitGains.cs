// How far a change of one value can move the logits, for the accelerated runner's proof that an image's top-1
// cannot change (MarginBound). Computed once per model, backwards from the logits, with absolute weights:
//   |Δlogit_j| ≤ Σ_e Gain_v[e, j]·|Δv_e|  +  Σ_{nodes n after v} Rounding_n[j]
// where Δ compares what the plain path's kernels compute under the fault with the golden values. Each node
// n = op(x) contributes, by the standard error bound of a sum whose terms each pass through at most h roundings
// (γ_h = h·u/(1−h·u), u = 2⁻²⁴; h = the k terms themselves for a sum in any order, fewer for ConvDirect's sums in
// blocks of 256, which every ungrouped Conv runs under a vector kernel set):
//   |fl(op(x')) − fl(op(x))| ≤ (1+γ)·|op|(|x'−x|)  +  2γ·(|op|(|x|) + |bias|)
// |op| being the op with absolute weights. The second term, the two runs' rounding, needs golden |x| per image:
// it is kept here as the coefficients RoundingTerm.Coefficients (so ⟨coefficients, |x(image)|⟩ gives it) and
// evaluated per image chunk by MarginBound.
// Ops covered: Conv, Gemm, MatMul (constant weights), BatchNormalization (inference, constant statistics),
// GlobalAveragePool, Add, and exact ops (Relu, MaxPool, GlobalMaxPool, Flatten, Reshape, Identity, Squeeze,
// Unsqueeze). Upstream of anything else (Softmax, Sigmoid, …) no value has gains, and the runner proves nothing there.
using System.Collections.Concurrent;
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class LogitGains
{
    // Per-logit bounds up to this many classes; above, one bound on Σ_j |Δlogit_j| (gains stay small).
    private const int PerLogitClasses = 16;
    private const double Unit = 1.0 / (1 << 24);
    // Margin on every rounding constant: covers the bounds' own double arithmetic and the (1−k·u) denominators.
    private const double Safety = 1.01;
    // 64 MiB of gains and coefficients, filled from the logits backwards. Large early layers (224² ImageNet models)
    // would cost seconds per image chunk to evaluate, and their bounds are too loose to prove anything anyway.
    private const long MaxDoubles = 8L << 20;

    /// <summary>A node's rounding: per image, Scale·⟨Coefficients[·, j], |golden value ValueName|⟩ + Constant[j].</summary>
    public sealed record RoundingTerm(string ValueName, int Width, double Scale, double[] Coefficients, double[] Constant);

    private readonly Dictionary<string, double[]> gains;
    private readonly Dictionary<string, RoundingTerm[]> after;

    private LogitGains(int classes, int rows, string output, Dictionary<string, double[]> gains, Dictionary<string, RoundingTerm[]> after)
    {
        Classes = classes;
        Rows = rows;
        OutputName = output;
        this.gains = gains;
        this.after = after;
    }

    /// <summary>Logits per image.</summary>
    public int Classes { get; }

    /// <summary>Bounds per image: Classes (one per logit), or 1 (one bound on the sum of the logits' changes).</summary>
    public int Rows { get; }

    public string OutputName { get; }

    /// <summary>Gain_v laid out [element·Rows + j], or null when no bound reaches the logits from this value.</summary>
    public double[]? For(string value) => gains.GetValueOrDefault(value);

    /// <summary>Gain_v laid out by logit, [j·width + e] (the per-logit bounds take one dot product per logit), or
    /// null as For. A copy, built on first use and shared by every chunk's MarginBound: at most MaxDoubles more.</summary>
    public double[]? ByLogit(string value)
    {
        if (For(value) is not { } g) return null;
        return byLogit.GetOrAdd(value, _ =>
        {
            int width = g.Length / Rows;
            var t = new double[g.Length];
            for (int e = 0; e < width; e++)
                for (int j = 0; j < Rows; j++) t[j * width + e] = g[e * Rows + j];
            return t;
        });
    }

    private readonly ConcurrentDictionary<string, double[]> byLogit = new(StringComparer.Ordinal);

    /// <summary>The rounding terms of every node downstream of this value (what re-running them may add).</summary>
    public RoundingTerm[] RoundingAfter(string value) => after.GetValueOrDefault(value, []);

    /// <summary>
    /// The factor (1 + γ) that Conv (sumTerms = patch + 2) and Gemm/MatMul (k + 3) put on a change of their
    /// inputs, with the bounds' safety margin: a faulty weight's own extra rounding is within γ of its change.
    /// </summary>
    public static double ChangeFactor(int sumTerms) => 1 + Safety * (sumTerms * Unit / (1 - sumTerms * Unit));

    /// <summary>Ops that keep every element in place: their output's gains and bounds are their input's.</summary>
    public static bool IsReshape(string opType) => opType is "Flatten" or "Reshape" or "Identity" or "Squeeze" or "Unsqueeze";

    /// <summary>The gains of a plan's values (batch rows of every batched value first), or null with the reason.</summary>
    public static LogitGains? TryBuild(ExecutionPlan plan, out string? reason)
    {
        var batched = RowPlans.Batched(plan);
        int output = plan.OutputIds[0];
        var outType = plan.Types[output];
        if (plan.OutputIds.Length != 1 || outType.Shape.Length != 2 || outType.Type != DataType.Float)
        {
            reason = "the model has not one float [N, classes] output";
            return null;
        }
        int batch = outType.Shape[0], classes = outType.Shape[1];
        int rows = classes <= PerLogitClasses ? classes : 1;
        int Width(int id) => ShapeUtil.Size(plan.Types[id].Shape) / batch;

        var gain = new double[plan.Values.Length][];
        var poisoned = new bool[plan.Values.Length];
        var terms = new List<(int Node, RoundingTerm Term)>();
        long used = 0;
        gain[output] = new double[classes * rows];
        for (int e = 0; e < classes; e++)
            if (rows == 1) gain[output][e] = 1;
            else gain[output][e * rows + e] = 1;

        for (int k = plan.Nodes.Length - 1; k >= 0; k--)
        {
            var node = plan.Nodes[k];
            var inputs = node.InputIds.Where(id => id >= 0 && batched[id]).Distinct().ToArray();
            if (inputs.Length == 0) continue;
            int y = node.OutputIds[0];
            bool covered = !node.OutputIds.Skip(1).Any(id => id >= 0 && batched[id]) && !poisoned[y];
            if (covered && gain[y] is null) continue; // its output reaches nothing: no gain needed upstream
            // Each input gets a gain and a rounding coefficient array: past the budget, nothing further upstream.
            long need = inputs.Sum(x => 2L * Width(x) * rows);
            covered &= used + need <= MaxDoubles;
            if (covered) used += need;
            if (!covered || !Adjoint(plan, node, batched, gain, Width, rows, terms))
                foreach (int x in inputs) poisoned[x] = true;
        }
        foreach (int id in Enumerable.Range(0, gain.Length).Where(id => poisoned[id])) gain[id] = null!;

        // The nodes downstream of each value, and so the rounding terms re-running them may add.
        var downstream = new HashSet<int>[plan.Values.Length];
        for (int k = plan.Nodes.Length - 1; k >= 0; k--)
        {
            var node = plan.Nodes[k];
            var reach = new HashSet<int> { k };
            foreach (int o in node.OutputIds) if (o >= 0 && downstream[o] is { } d) reach.UnionWith(d);
            foreach (int x in node.InputIds)
                if (x >= 0 && batched[x]) (downstream[x] ??= []).UnionWith(reach);
        }
        var gains = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var after = new Dictionary<string, RoundingTerm[]>(StringComparer.Ordinal);
        for (int id = 0; id < gain.Length; id++)
        {
            if (gain[id] is null || !batched[id]) continue;
            gains[plan.Names[id]] = gain[id];
            var reach = downstream[id] ?? [];
            after[plan.Names[id]] = [.. terms.Where(t => reach.Contains(t.Node)).Select(t => t.Term)];
        }
        reason = gains.Count > 1 ? null : "no operator before the logits has a bound";
        return new LogitGains(classes, rows, plan.Names[output], gains, after);
    }

    // Adds the node's contribution to its batched inputs' gains (and its rounding term); false: not covered.
    private static bool Adjoint(ExecutionPlan plan, PlannedNode node, bool[] batched, double[]?[] gain,
        Func<int, int> width, int rows, List<(int, RoundingTerm)> terms)
    {
        int y = node.OutputIds[0];
        var gy = gain[y]!;
        int x = node.InputIds[0];
        double[] Into(int id) => gain[id] ??= new double[width(id) * rows];
        bool Constant(int position) => position >= node.InputIds.Length || node.InputIds[position] < 0 || !batched[node.InputIds[position]];
        Tensor? Value(int position) => position < node.InputIds.Length && node.InputIds[position] >= 0 ? plan.Values[node.InputIds[position]] : null;

        switch (node.Operator)
        {
            case Engine.Operators.Unary when node.OpType == "Relu":
            case Reshaping when IsReshape(node.OpType):
                if (!batched[x] || width(x) != width(y) || node.OutputIds.Length != 1) return false;
                Accumulate(Into(x), gy, 1);
                return true;
            case Pool pool when node.OpType == "MaxPool" && batched[x]:
            {
                var g = pool.Geometry(plan.Types[x].Shape);
                Window(g, gy, Into(x), rows, (_, _, _, _) => 1);
                return true;
            }
            case Conv conv when batched[x] && Constant(1) && Constant(2):
            {
                var w = Value(1)!;
                var g = conv.Geometry(plan.Types[x].Shape, w.Shape);
                var contribution = new double[width(x) * rows];
                var wf = w.Floats.ToArray();
                int cpg = g.CPerGroup;
                Window(g, gy, contribution, rows, (co, ci, ky, kx) => Math.Abs(wf[((co * cpg + ci % cpg) * g.KH + ky) * g.KW + kx]));
                var bias = Value(2) is { } b ? b.Floats.ToArray() : null;
                // Under a vector kernel set an ungrouped Conv sums in blocks (ConvDirect): no product passes through
                // more roundings than RoundingDepth (259 for a 576-tap patch, not 578), and each tap's own count
                // (TapRoundings, about half of that on average) weighs its product's share of the rounding.
                // Otherwise any order: every tap counts k + 2.
                bool blocked = !g.IsDepthwise && ConvDirect.Supports(KernelSet.Active, g);
                int k = g.PatchSize, depth = blocked ? ConvDirect.RoundingDepth(k) : k + 2;
                double[]? rounding = null;
                if (blocked)
                {
                    rounding = new double[width(x) * rows];
                    Window(g, gy, rounding, rows, (co, ci, ky, kx) =>
                        Math.Abs(wf[((co * cpg + ci % cpg) * g.KH + ky) * g.KW + kx]) * ConvDirect.TapRoundings(k, ((ci % cpg) * g.KH + ky) * g.KW + kx) / depth);
                }
                Sum(node, plan.Names[x], width(x), depth, contribution, gy, rows, o => bias is null ? 0 : Math.Abs(bias[o / g.OutSpatial]), Into(x), terms, rounding);
                return true;
            }
            case Gemm gemm when batched[x] && !gemm.TransA && Constant(1) && Constant(2):
                return Linear(node, plan.Names[x], width(x), width(y), Value(1)!, gemm.TransB, gemm.Alpha, Value(2), gemm.Beta, gy, Into(x), rows, terms);
            case MatMul when batched[x] && Constant(1) && plan.Types[x].Shape.Length == 2 && Value(1)!.Rank == 2:
                return Linear(node, plan.Names[x], width(x), width(y), Value(1)!, false, 1, null, 0, gy, Into(x), rows, terms);
            case Pool when node.OpType is "GlobalAveragePool" or "GlobalMaxPool" && batched[x] && plan.Types[x].Shape.Length >= 3:
            {
                int planes = plan.Types[x].Shape[1], size = width(x) / planes;
                var spread = new double[width(x) * rows];
                bool average = node.OpType == "GlobalAveragePool";
                for (int e = 0; e < spread.Length / rows; e++)
                for (int j = 0; j < rows; j++)
                    spread[e * rows + j] = average ? gy[e / size * rows + j] / size : gy[e / size * rows + j];
                // The maximum is exact; the average is a sum of `size` terms and a division.
                if (average) Sum(node, plan.Names[x], width(x), size + 1, spread, gy, rows, _ => 0, Into(x), terms);
                else Accumulate(Into(x), spread, 1);
                return true;
            }
            case BatchNormalization bn when batched[x] && Enumerable.Range(1, 4).All(Constant) && plan.Types[x].Shape.Length >= 2:
            {
                // y = x·a + b per channel, as the operator folds it: a product and a sum.
                var folded = bn.Folded(Value(1)!, Value(2)!, Value(3)!, Value(4)!);
                int channels = plan.Types[x].Shape[1], inner = width(x) / channels;
                var contribution = new double[width(x) * rows];
                for (int e = 0; e < width(x); e++)
                {
                    double a = Math.Abs((double)folded[e / inner]);
                    for (int j = 0; j < rows; j++) contribution[e * rows + j] = a * gy[e * rows + j];
                }
                Sum(node, plan.Names[x], width(x), 2, contribution, gy, rows, e => Math.Abs((double)folded[channels + e / inner]), Into(x), terms);
                return true;
            }
            case Binary when node.OpType == "Add" && node.OutputIds.Length == 1:
            {
                var addends = node.InputIds.Where(id => id >= 0 && batched[id]).ToArray();
                if (addends.Any(id => width(id) != width(y))) return false; // a broadcast image value
                foreach (int id in addends.Distinct()) Accumulate(Into(id), gy, (1 + Safety * Unit) * addends.Count(a => a == id));
                // The sum's rounding, relative to the golden sum: 2u·|y| (Coefficients = gy over |y|).
                terms.Add((node.Index, new RoundingTerm(plan.Names[y], width(y), 2 * Safety * Unit / (1 - Unit), gy, new double[rows])));
                return true;
            }
            default:
                return false;
        }
    }

    // Gemm/MatMul with constant B (k×n, or n×k transposed) and an optional constant bias row C (n, or a scalar).
    private static bool Linear(PlannedNode node, string x, int k, int n, Tensor b, bool transB, float alpha, Tensor? c, float beta,
        double[] gy, double[] into, int rows, List<(int, RoundingTerm)> terms)
    {
        if (b.Rank != 2 || k != (transB ? b.Shape[1] : b.Shape[0]) || n != (transB ? b.Shape[0] : b.Shape[1])) return false;
        if (c is not null && beta != 0 && c.Length != n && c.Length != 1) return false; // a per-row C
        var bf = b.Floats;
        var contribution = new double[k * rows];
        double a = Math.Abs((double)alpha);
        for (int kk = 0; kk < k; kk++)
        for (int o = 0; o < n; o++)
        {
            double wv = a * Math.Abs(bf[transB ? o * k + kk : kk * n + o]);
            if (wv == 0) continue;
            for (int j = 0; j < rows; j++) contribution[kk * rows + j] += wv * gy[o * rows + j];
        }
        var cf = c is not null && beta != 0 ? c.Floats.ToArray() : null;
        // k products, their sum, alpha, beta·C and the final add: k + 3 rounded operations at most.
        Sum(node, x, k, k + 3, contribution, gy, rows, o => cf is null ? 0 : Math.Abs((double)beta * cf[cf.Length == 1 ? 0 : o]), into, terms);
        return true;
    }

    // A sum whose terms pass through at most `sumTerms` roundings: gain (1+γ)·contribution into x, and the rounding
    // term 2γ·(⟨rounding, |x|⟩ + Σ_o gy[o]·|bias_o|), rounding being the contribution with each weight scaled by its
    // tap's share of the roundings (the contribution itself when every term may pass through all of them).
    private static void Sum(PlannedNode node, string x, int width, int sumTerms, double[] contribution, double[] gy,
        int rows, Func<int, double> bias, double[] into, List<(int, RoundingTerm)> terms, double[]? rounding = null)
    {
        double gamma = sumTerms * Unit / (1 - sumTerms * Unit);
        Accumulate(into, contribution, 1 + Safety * gamma);
        var constant = new double[rows];
        int outputs = gy.Length / rows;
        for (int o = 0; o < outputs; o++)
        {
            double bo = bias(o);
            if (bo == 0) continue;
            for (int j = 0; j < rows; j++) constant[j] += gy[o * rows + j] * bo;
        }
        double scale = 2 * Safety * gamma;
        for (int j = 0; j < rows; j++) constant[j] *= scale;
        terms.Add((node.Index, new RoundingTerm(x, width, scale, rounding ?? contribution, constant)));
    }

    // For each output element and each input element its window reads: into[input] += weight·gy[output].
    private static void Window(Conv2D g, double[] gy, double[] into, int rows, Func<int, int, int, int, double> weight)
    {
        int inPlane = g.H * g.W, outPlane = g.OutSpatial, mpg = g.MPerGroup, cpg = g.CPerGroup;
        for (int co = 0; co < g.M; co++)
        {
            int group = co / mpg;
            for (int cl = 0; cl < cpg; cl++)
            {
                int ci = group * cpg + cl;
                for (int ky = 0; ky < g.KH; ky++)
                for (int kx = 0; kx < g.KW; kx++)
                {
                    double w = weight(co, ci, ky, kx);
                    if (w == 0) continue;
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.H) continue;
                        for (int ox = 0; ox < g.OutW; ox++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if ((uint)ix >= (uint)g.W) continue;
                            int src = (co * outPlane + oy * g.OutW + ox) * rows, dst = (ci * inPlane + iy * g.W + ix) * rows;
                            for (int j = 0; j < rows; j++) into[dst + j] += w * gy[src + j];
                        }
                    }
                }
            }
        }
    }

    private static void Accumulate(double[] into, double[] from, double factor)
    {
        for (int i = 0; i < into.Length; i++) into[i] += factor * from[i];
    }
}
