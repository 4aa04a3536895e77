// ConvRegion against the Conv operator, bit for bit, over rectangles of many geometries (padding, strides,
// dilation, pointwise, patches of several KC blocks, channel counts not a multiple of eight or sixteen), with huge,
// infinite and NaN inputs; and OutputsReading against the windows it claims to cover.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class ConvRegionTests
{
    // (C, H, W, M, kH, kW, stride, dilation, pad)
    private static readonly int[][] Cases =
    [
        [1, 28, 28, 6, 5, 5, 1, 1, 2], [16, 28, 28, 16, 3, 3, 1, 1, 1], [16, 28, 28, 32, 3, 3, 2, 1, 1],
        [16, 28, 28, 32, 1, 1, 2, 1, 0], [64, 7, 7, 64, 3, 3, 1, 1, 1], [8, 9, 11, 24, 3, 3, 1, 2, 2], [5, 6, 13, 3, 2, 4, 3, 1, 1], [3, 10, 10, 40, 3, 3, 1, 1, 1],
    ];

    private static (Conv2D G, Tensor X, Tensor W, Tensor B, Tensor Y) Layer(int[] c, Random rng, bool extreme)
    {
        int outH = (c[1] + 2 * c[8] - (c[7] * (c[4] - 1) + 1)) / c[6] + 1;
        int outW = (c[2] + 2 * c[8] - (c[7] * (c[5] - 1) + 1)) / c[6] + 1;
        const int batch = 2;
        var g = new Conv2D(batch, c[0], c[1], c[2], c[3], c[4], c[5], 1, c[6], c[6], c[7], c[7], c[8], c[8], outH, outW);
        var xv = Gemm32Tests.Random(rng, batch * g.C * g.H * g.W);
        if (extreme)
            for (int i = 0; i < xv.Length; i += 97)
                xv[i] = (i / 97 % 4) switch { 0 => 3e38f, 1 => float.PositiveInfinity, 2 => float.NaN, _ => -1.7e38f };
        var x = Tensor.FromFloats(xv, batch, g.C, g.H, g.W);
        var w = Tensor.FromFloats(Gemm32Tests.Random(rng, g.M * g.PatchSize), g.M, g.C, g.KH, g.KW);
        var b = Tensor.FromFloats(Gemm32Tests.Random(rng, g.M), g.M);
        var attributes = new Dictionary<string, object>
        {
            ["strides"] = new long[] { c[6], c[6] }, ["dilations"] = new long[] { c[7], c[7] }, ["pads"] = new long[] { c[8], c[8], c[8], c[8] },
        };
        var node = new Node { Name = "conv", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "conv") };
        var op = new Conv(node, 13);
        var y = Tensor.Zeros(DataType.Float, op.Infer([new(DataType.Float, x.Shape), new(DataType.Float, w.Shape), new(DataType.Float, b.Shape)])[0].Shape);
        op.Run([x, w, b], [y]);
        return (g, x, w, b, y);
    }

    // Both vector widths this CPU runs (avx512 computes avx2's bits: each lane its own element's chain); the
    // operator they are compared with runs whatever NEUTRON_KERNELS picks.
    private static KernelVariant[] VectorVariants => KernelSet.Supported.Where(v => v != KernelVariant.Scalar).ToArray();

    [FactRequiringSlices]
    public void Rectangles_equal_the_operator()
    {
        var rng = new Random(5);
        foreach (var c in Cases)
        foreach (bool extreme in new[] { false, true })
        foreach (var variant in VectorVariants)
        {
            var (g, x, w, b, y) = Layer(c, rng, extreme);
            var region = new ConvRegion(g, w.Floats, b.Floats, variant);
            int inPer = g.C * g.H * g.W, outPer = g.M * g.OutSpatial;
            for (int trial = 0; trial < 12; trial++)
            {
                int n = trial % 2;
                int y0 = trial == 0 ? 0 : rng.Next(g.OutH), y1 = trial == 0 ? g.OutH : rng.Next(y0 + 1, g.OutH + 1);
                int x0 = trial == 0 ? 0 : rng.Next(g.OutW), x1 = trial == 0 ? g.OutW : rng.Next(x0 + 1, g.OutW + 1);
                var output = new float[(y1 - y0) * (x1 - x0) * region.Channels];
                region.Forward(x.Floats.Slice(n * inPer, inPer), y0, y1, x0, x1, output);
                for (int oy = y0; oy < y1; oy++)
                for (int ox = x0; ox < x1; ox++)
                for (int o = 0; o < g.M; o++)
                {
                    float expected = y.Floats[n * outPer + o * g.OutSpatial + oy * g.OutW + ox];
                    float actual = output[((oy - y0) * (x1 - x0) + ox - x0) * region.Channels + o];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
                        $"{variant} case [{string.Join(",", c)}] extreme {extreme} rectangle [{y0},{y1})x[{x0},{x1}) image {n} channel {o} at ({oy},{ox}): {actual}, operator {expected}");
                }
            }
        }
    }

    // An image given as a box of x over a reference: the same bits as the whole image, whatever x holds outside
    // the box (here NaN, which any read would carry into the output).
    [FactRequiringSlices]
    public void A_box_over_a_reference_image_equals_the_whole_image()
    {
        var rng = new Random(7);
        foreach (var c in Cases)
        foreach (bool extreme in new[] { false, true })
        foreach (var variant in VectorVariants)
        {
            var (g, x, w, b, _) = Layer(c, rng, extreme);
            var region = new ConvRegion(g, w.Floats, b.Floats, variant);
            int inPer = g.C * g.H * g.W, plane = g.H * g.W;
            var whole = x.Floats.Slice(0, inPer).ToArray();
            var reference = x.Floats.Slice(inPer, inPer).ToArray();
            for (int trial = 0; trial < 12; trial++)
            {
                int by0 = rng.Next(g.H), by1 = rng.Next(by0 + 1, g.H + 1), bx0 = rng.Next(g.W), bx1 = rng.Next(bx0 + 1, g.W + 1);
                // The image: the reference outside the box, `whole` inside; the box-only copy holds NaN elsewhere.
                var image = (float[])reference.Clone();
                var boxOnly = new float[inPer];
                Array.Fill(boxOnly, float.NaN);
                for (int ch = 0; ch < g.C; ch++)
                for (int iy = by0; iy < by1; iy++)
                for (int ix = bx0; ix < bx1; ix++)
                    image[ch * plane + iy * g.W + ix] = boxOnly[ch * plane + iy * g.W + ix] = whole[ch * plane + iy * g.W + ix];
                var (y0, y1, x0, x1) = trial % 3 == 0 ? (0, g.OutH, 0, g.OutW) : region.OutputsReading(by0, by1, bx0, bx1);
                if (y1 == y0) continue;
                var expected = new float[(y1 - y0) * (x1 - x0) * region.Channels];
                var actual = new float[expected.Length];
                region.Forward(image, y0, y1, x0, x1, expected);
                region.Forward(boxOnly, reference, by0, by1, bx0, bx1, y0, y1, x0, x1, actual);
                for (int p = 0; p < (y1 - y0) * (x1 - x0); p++)
                for (int o = 0; o < g.M; o++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[p * region.Channels + o]) == BitConverter.SingleToInt32Bits(actual[p * region.Channels + o]),
                        $"case [{string.Join(",", c)}] extreme {extreme} box [{by0},{by1})x[{bx0},{bx1}) position {p} channel {o}: {actual[p * region.Channels + o]}, whole image {expected[p * region.Channels + o]}");
            }
        }
    }

    [FactRequiringSlices]
    public void Outputs_outside_the_reading_rectangle_do_not_read_the_input_rectangle()
    {
        var rng = new Random(6);
        foreach (var c in Cases)
        {
            var (g, _, w, b, _) = Layer(c, rng, false);
            var region = new ConvRegion(g, w.Floats, b.Floats);
            for (int trial = 0; trial < 20; trial++)
            {
                int iy0 = rng.Next(g.H), iy1 = rng.Next(iy0 + 1, g.H + 1), ix0 = rng.Next(g.W), ix1 = rng.Next(ix0 + 1, g.W + 1);
                var (y0, y1, x0, x1) = region.OutputsReading(iy0, iy1, ix0, ix1);
                for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    bool reads = false;
                    for (int ky = 0; ky < g.KH; ky++)
                    for (int kx = 0; kx < g.KW; kx++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                        reads |= iy >= iy0 && iy < iy1 && ix >= ix0 && ix < ix1;
                    }
                    bool inside = oy >= y0 && oy < y1 && ox >= x0 && ox < x1;
                    Assert.False(reads && !inside, $"case [{string.Join(",", c)}] input [{iy0},{iy1})x[{ix0},{ix1}): output ({oy},{ox}) reads it but lies outside [{y0},{y1})x[{x0},{x1})");
                }
            }
        }
    }
}
