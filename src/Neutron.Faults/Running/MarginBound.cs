// The accelerated runner's second kind of early masking: an image whose perturbed value provably cannot change
// its top-1 (nor make a logit non-finite) is dropped, its outcome golden's, without running the rest of the cone.
// Per image chunk, from LogitGains: each value's rounding slack per image (what re-running the nodes after it may
// add to each logit's change) and the golden logits. For a perturbed row of value v:
//   B_j = Slack_v[image, j] + Σ_e Gain_v[e, j]·|row_e − golden_e|   bounds |Δlogit_j|
// and top-1 t stays when B_t + B_j < logit_t − logit_j for every j ≠ t (per-logit gains), or when the bound on
// Σ_j |Δlogit_j| is below the top-1 margin (many classes). A cheaper test runs first: the largest B_j for all j.
// Sound for any float evaluation of the rest of the graph, so outcomes stay those of `--plain`;
// AcceleratedEquivalenceTests check that, and MarginBoundTests check every bound against the plain logits.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Neutron.Engine.Tensors;
using Neutron.Engine.Data;

namespace Neutron.Faults.Running;

internal sealed class MarginBound
{
    /// <summary>A value's gains by logit ([j·width + e]), with per element the largest over logits, and its slack per
    /// image.</summary>
    public sealed record Site(double[] ByLogit, double[] MaxGains, double[] Slack, double[] MaxSlack);

    // Past this many margins, the quick bound is not refined per logit (speed only: a refusal is always sound).
    private const double HopelessFactor = 8;

    private readonly Dictionary<string, Site> sites = new(StringComparer.Ordinal);
    private readonly int rows, classes;
    private readonly double[] logits;
    private readonly int[] top;
    private readonly double[] margin; // top-1 logit minus the runner-up; NaN when golden is not provably stable

    /// <summary>The bounds of one chunk of count images whose golden values are gold[id], named names[id].</summary>
    public MarginBound(LogitGains gains, string[] names, Tensor?[] gold, int count)
    {
        rows = gains.Rows;
        classes = gains.Classes;
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int id = 0; id < names.Length; id++) if (gold[id] is { } t) byName[names[id]] = t;

        var output = byName[gains.OutputName].Floats;
        logits = new double[count * classes];
        top = new int[count];
        margin = new double[count];
        for (int n = 0; n < count; n++)
        {
            var row = output.Slice(n * classes, classes);
            top[n] = TopK.ArgMax(row);
            double best = double.NegativeInfinity;
            for (int j = 0; j < classes; j++)
            {
                logits[n * classes + j] = row[j];
                if (j != top[n]) best = Math.Max(best, row[j]);
            }
            // Golden logits beyond ±1e30 could overflow within the bound: nothing is proven for that image.
            margin[n] = TopK.AnyNonFinite(row) || Math.Abs((double)row[top[n]]) > 1e30 || best < -1e30 ? double.NaN : row[top[n]] - best;
        }

        // Each node's rounding per image, computed once and summed into every value upstream of it.
        var rounding = new Dictionary<LogitGains.RoundingTerm, double[]>(ReferenceEqualityComparer.Instance);
        foreach (var name in byName.Keys)
        {
            if (gains.For(name) is not { } g) continue;
            var slack = new double[count * rows];
            foreach (var term in gains.RoundingAfter(name))
            {
                if (!rounding.TryGetValue(term, out var perImage))
                    rounding[term] = perImage = Rounding(term, byName[term.ValueName].Floats, count, rows);
                for (int i = 0; i < slack.Length; i++) slack[i] += perImage[i];
            }
            var maxGains = new double[g.Length / rows];
            for (int e = 0; e < maxGains.Length; e++) maxGains[e] = Max(g.AsSpan(e * rows, rows));
            var maxSlack = new double[count];
            for (int n = 0; n < count; n++) maxSlack[n] = Max(slack.AsSpan(n * rows, rows));
            sites[name] = new Site(gains.ByLogit(name)!, maxGains, slack, maxSlack);
        }
    }

    /// <summary>Bounds per image (LogitGains.Rows).</summary>
    public int Rows => rows;

    /// <summary>The bound data of a value, or null when nothing can be proven from it.</summary>
    public Site? For(string value) => sites.GetValueOrDefault(value);

    /// <summary>
    /// Whether image n's top-1 provably stays golden's (and its logits finite) with value row `row` where golden
    /// has `golden`: both from element `offset` on, the row equal to golden outside them. bounds (Rows long)
    /// receives the bound of each logit's change (or of their sum) when true.
    /// </summary>
    public bool Unchanged(Site site, int n, int offset, ReadOnlySpan<float> row, ReadOnlySpan<float> golden, Span<double> bounds)
    {
        // Rounding alone already past what the per-logit test would try: no need to read the row (early layers of
        // deep models, where this is what happens to nearly every image).
        if (!Hopeful(site, n)) return false;
        if (changeScratch is null || changeScratch.Length < row.Length) changeScratch = new double[Math.Max(row.Length, 256)];
        var changes = changeScratch.AsSpan(0, row.Length);
        AbsoluteChanges(row, golden, changes);
        return Unchanged(site, site, n, offset, changes, bounds);
    }

    // Per thread: the bounds of a chunk are shared by every worker.
    [ThreadStatic] private static double[]? changeScratch;

    /// <summary>Whether image n can be proven at all with the rounding still to come in slackOf's slack.</summary>
    public bool Hopeful(Site slackOf, int n) =>
        margin[n] > 0 && (rows == 1 ? slackOf.MaxSlack[n] < margin[n] : 2 * slackOf.MaxSlack[n] <= HopelessFactor * margin[n]);

    /// <summary>
    /// Whether image n's top-1 provably stays golden's when the elements of value v from `offset` on change by at
    /// most `changes` (absolute, in double; every other element unchanged), with `gainsOf` the site of v and
    /// `slackOf` the site whose slack covers the rounding still to come. A weight fault uses this before computing
    /// anything: the changes are what the changed weight can do exactly, and the rounding of the faulty layer
    /// itself is in the slack of the layer's input (LogitGains counts each node in the slack of what it reads).
    /// </summary>
    public bool Unchanged(Site gainsOf, Site slackOf, int n, int offset, ReadOnlySpan<double> changes, Span<double> bounds)
    {
        if (!Hopeful(slackOf, n)) return false;
        // The quick test: one bound for every logit, from each element's largest gain. A non-finite change (or a
        // zero gain times an infinite one) makes the sum non-finite, and nothing is proven.
        double quick = slackOf.MaxSlack[n] + TensorPrimitives.Dot(gainsOf.MaxGains.AsSpan(offset, changes.Length), changes);
        if (!double.IsFinite(quick)) return false;
        double needed = rows == 1 ? quick : 2 * quick;
        if (needed < margin[n])
        {
            bounds.Fill(quick);
            return true;
        }
        // The per-logit test costs Rows times more; far from the margin it would not pass in practice.
        if (rows == 1 || needed > HopelessFactor * margin[n]) return false;

        // Per logit: B_t + B_j < logit_t − logit_j for every j ≠ t.
        int width = gainsOf.MaxGains.Length;
        for (int j = 0; j < rows; j++)
            bounds[j] = slackOf.Slack[n * rows + j] + TensorPrimitives.Dot(gainsOf.ByLogit.AsSpan(j * width + offset, changes.Length), changes);
        int t = top[n];
        for (int j = 0; j < classes; j++)
            if (j != t && !(bounds[t] + bounds[j] < logits[n * classes + t] - logits[n * classes + j])) return false;
        return true;
    }

    /// <summary>
    /// changes[e] = |row[e] − golden[e]| in double, 0 where the two are equal (±0 and equal infinities included),
    /// NaN or ∞ where a NaN or an infinity differs. Vectorised; its twin is AbsoluteChangesScalar.
    /// </summary>
    public static void AbsoluteChanges(ReadOnlySpan<float> row, ReadOnlySpan<float> golden, Span<double> changes)
    {
        int e = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float a = ref MemoryMarshal.GetReference(row);
            ref float b = ref MemoryMarshal.GetReference(golden);
            ref double d = ref MemoryMarshal.GetReference(changes);
            for (; e + 4 <= row.Length; e += 4)
            {
                var av = Vector128.LoadUnsafe(ref a, (nuint)e);
                var bv = Vector128.LoadUnsafe(ref b, (nuint)e);
                var same = Vector256.Create(Vector128.WidenLower(Vector128.Equals(av, bv).AsInt32()), Vector128.WidenUpper(Vector128.Equals(av, bv).AsInt32())).AsDouble();
                var (al, ah) = (Vector128.WidenLower(av), Vector128.WidenUpper(av));
                var (bl, bh) = (Vector128.WidenLower(bv), Vector128.WidenUpper(bv));
                var diff = Vector256.Abs(Vector256.Create(al, ah) - Vector256.Create(bl, bh));
                Vector256.ConditionalSelect(same, Vector256<double>.Zero, diff).StoreUnsafe(ref d, (nuint)e);
            }
        }
        AbsoluteChangesScalar(row[e..], golden[e..], changes[e..]);
    }

    /// <summary>The scalar twin of AbsoluteChanges (and its tail).</summary>
    public static void AbsoluteChangesScalar(ReadOnlySpan<float> row, ReadOnlySpan<float> golden, Span<double> changes)
    {
        for (int e = 0; e < row.Length; e++)
        {
            float a = row[e], b = golden[e];
            changes[e] = a == b ? 0 : Math.Abs((double)a - b);
        }
    }

    // Per image, Scale·⟨Coefficients[·, j], |x|⟩ + Constant[j] for each bound j: Rows dot products over the value's
    // elements (the coefficients laid out by bound first, once per term), vectorised. Summed in another order than
    // element by element, which the Safety margin on every rounding constant covers (relative error of a double sum).
    // Its twin is RoundingScalar.
    internal static double[] Rounding(LogitGains.RoundingTerm term, ReadOnlySpan<float> values, int count, int rows)
    {
        int width = term.Width;
        var coefficients = term.Coefficients;
        var byBound = new double[rows * width];
        for (int e = 0; e < width; e++)
            for (int j = 0; j < rows; j++) byBound[j * width + e] = coefficients[e * rows + j];
        var magnitudes = new double[width];
        var result = new double[count * rows];
        for (int n = 0; n < count; n++)
        {
            TensorPrimitives.ConvertChecked<float, double>(values.Slice(n * width, width), magnitudes);
            TensorPrimitives.Abs(magnitudes, magnitudes);
            // Underflow: each rounded operation may also lose up to 2⁻¹⁴⁹ absolutely, far below the 1e-30 added.
            for (int j = 0; j < rows; j++)
                result[n * rows + j] = term.Scale * TensorPrimitives.Dot(byBound.AsSpan(j * width, width), magnitudes) + term.Constant[j] + 1e-30;
        }
        return result;
    }

    /// <summary>The element-by-element twin of Rounding.</summary>
    internal static double[] RoundingScalar(LogitGains.RoundingTerm term, ReadOnlySpan<float> values, int count, int rows)
    {
        var result = new double[count * rows];
        for (int n = 0; n < count; n++)
        {
            var x = values.Slice(n * term.Width, term.Width);
            var sum = result.AsSpan(n * rows, rows);
            for (int e = 0; e < x.Length; e++)
            {
                double v = Math.Abs((double)x[e]);
                for (int j = 0; j < rows; j++) sum[j] += term.Coefficients[e * rows + j] * v;
            }
            for (int j = 0; j < rows; j++) sum[j] = term.Scale * sum[j] + term.Constant[j] + 1e-30;
        }
        return result;
    }

    private static double Max(ReadOnlySpan<double> values)
    {
        double m = double.NegativeInfinity;
        foreach (double v in values) m = Math.Max(m, v);
        return m;
    }
}
