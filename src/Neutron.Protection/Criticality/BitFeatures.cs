// Structural features of one stored weight bit (site, element, bit), for predicting whether flipping it is critical:
// nothing here runs the network. The paper's five (Traiola et al., DATE 2023: sign, bit position, layer, output
// feature map, filter channel) and what the stored word tells besides: kernel position, the layer's fan-in and
// fan-out, the stored value's magnitude and binary exponent, the bit's current value, and the exact change δ of the
// decoded value when the bit flips (Inf or NaN after the flip: δ = ±float.MaxValue and a flag), and the value's
// magnitude relative to the largest in its tensor. With measured gradients (WeightGradients), two more: the element's
// mean |∂L/∂w| and the first-order loss change of the flip |∂L/∂w·δ| (float.MaxValue when δ is not finite; both −1
// for an element the gradients do not cover), which see how the network uses the value. Shapes are read as
// PyTorch lays weights out: (out, in, kernel…) for Conv and Gemm; a rank-1 tensor (bias, BatchNorm) has only an
// output channel and takes its node's fan-in and fan-out. The twin that labels rows is CriticalityData.
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Protection.Criticality;

public sealed class BitFeatures
{
    /// <summary>Column names of the features read from the stored words alone, in row order.</summary>
    public static readonly string[] StructuralNames =
    [
        "sign", "bit", "layer", "out_channel", "in_channel",
        "kernel_position", "fan_in", "fan_out", "magnitude", "exponent", "bit_value", "delta", "abs_delta", "nonfinite",
        "relative_magnitude",
    ];

    /// <summary>Columns appended when gradients are given.</summary>
    public static readonly string[] GradientNames = ["gradient", "sensitivity"];

    /// <summary>The paper's features: sign, bit position, layer, output feature map and filter (input) channel.</summary>
    public static readonly int[] PaperColumns = [0, 1, 2, 3, 4];

    /// <summary>The exponent feature of a stored zero: below every float's (the smallest subnormal's is −149).</summary>
    public const int ZeroExponent = -150;

    private readonly FaultSpace space;
    private readonly StoredWeights weights;
    private readonly (long InSize, long KernelSize, float FanIn, float FanOut)[] layout;
    private readonly float[]?[]? gradients;
    private readonly double[] largest;

    /// <param name="gradients">Per site of the space, each element's mean |∂L/∂w| (WeightGradients.Measure), or
    /// null for the structural features only.</param>
    public BitFeatures(FaultSpace space, StoredWeights weights, float[]?[]? gradients = null)
    {
        this.space = space;
        this.weights = weights;
        if (gradients is not null && gradients.Length != space.Sites.Count)
            throw new ArgumentException($"{gradients.Length} gradient tables for {space.Sites.Count} sites", nameof(gradients));
        this.gradients = gradients;
        Names = gradients is null ? StructuralNames : [.. StructuralNames, .. GradientNames];
        largest = space.Sites.Select(s =>
        {
            double max = 0;
            for (long e = 0; e < s.Elements; e++) max = Math.Max(max, Math.Abs((double)weights.Value(s.Tensor, e)));
            return max;
        }).ToArray();
        // Fan-in and fan-out of each node from its rank ≥ 2 weight (PyTorch's definition: in × kernel, out × kernel).
        var fans = new Dictionary<string, (float In, float Out)>(StringComparer.Ordinal);
        foreach (var s in space.Sites)
            if (s.Shape.Length >= 2)
            {
                long kernel = s.Shape.Skip(2).Aggregate(1L, (a, d) => a * d);
                fans.TryAdd(s.Layer, (s.Shape[1] * kernel, s.Shape[0] * kernel));
            }
        layout = space.Sites.Select(s =>
        {
            long kernel = s.Shape.Length > 2 ? s.Shape.Skip(2).Aggregate(1L, (a, d) => a * d) : 1;
            long inSize = s.Shape.Length >= 2 ? s.Shape[1] * kernel : 0;
            var (fanIn, fanOut) = fans.TryGetValue(s.Layer, out var f) ? f : (1f, 1f);
            return (inSize, s.Shape.Length > 2 ? kernel : 0L, fanIn, fanOut);
        }).ToArray();
    }

    public FaultSpace Space => space;
    /// <summary>Column names, in row order.</summary>
    public string[] Names { get; }
    public int Count => Names.Length;
    public bool HasGradients => gradients is not null;

    /// <summary>Writes the features of bit <paramref name="bit"/> of element <paramref name="element"/> of site
    /// <paramref name="site"/> (an index into Space.Sites) into <paramref name="row"/>.</summary>
    public void Fill(int site, long element, int bit, Span<float> row)
    {
        var s = space.Sites[site];
        var (inSize, kernelSize, fanIn, fanOut) = layout[site];
        var encoding = weights.Encoding(s.Tensor);
        uint word = weights.Word(s.Tensor, element);
        double old = encoding.Decode(element, word);
        double flipped = encoding.Decode(element, word ^ (1u << bit));

        row[0] = old < 0 || (old == 0 && double.IsNegative(old)) ? 1 : 0;
        row[1] = bit;
        row[2] = site;
        row[3] = inSize > 0 ? element / inSize : element;
        row[4] = inSize > 0 ? (kernelSize > 0 ? element % inSize / kernelSize : element % inSize) : -1;
        row[5] = kernelSize > 0 ? element % kernelSize : -1;
        row[6] = fanIn;
        row[7] = fanOut;
        row[8] = Clamp(Math.Abs(old));
        row[9] = old == 0 ? ZeroExponent : Math.ILogB(old);
        row[10] = (word >> bit) & 1;
        double delta = double.IsNaN(flipped) ? float.MaxValue : flipped - old;
        row[11] = Clamp(delta);
        row[12] = Clamp(Math.Abs(delta));
        row[13] = double.IsNaN(flipped) ? 2 : double.IsInfinity(flipped) ? 1 : 0;
        row[14] = largest[site] > 0 ? (float)(Math.Abs(old) / largest[site]) : 0;
        if (gradients is null) return;
        if (gradients[site] is not { } g) { row[15] = -1; row[16] = -1; return; }
        row[15] = g[element];
        row[16] = double.IsFinite(delta) && double.IsFinite(flipped) ? Clamp(Math.Abs(g[element] * delta)) : float.MaxValue;
    }

    /// <summary>The features of a flat index of the space.</summary>
    public void Fill(long index, Span<float> row)
    {
        int site = space.SiteOf(index);
        long offset = index - space.Range(site).Start;
        int bits = space.BitsInRange(site);
        Fill(site, offset / bits, space.LowBit(site) + (int)(offset % bits), row);
    }

    private static float Clamp(double v) => (float)Math.Clamp(v, -float.MaxValue, float.MaxValue);
}
