// PoolKernels.MaxWindows (any max-pool window, on stride phases with a −∞ border), MaxLanes (planes as lanes) and
// MaxRows (separable passes, avx512) against their twin MaxPlane: the same bits wherever the window holds no NaN, NaN wherever it does. Data holds ±Inf,
// with and without NaN (MaxRows runs a plane without NaN tracking first and checks it),
// ±0 (the earlier of equal values must win, as in MaxPlane) and NaN; geometries are SqueezeNet's ceil-mode 3×3
// stride 2, ShuffleNet's padded one, GoogLeNet's stride 1 on small planes, dilated, strided by 3, 1-D, and a plane
// run that does not start at 0 and is not a whole number of vectors of planes; under avx2 and avx512. MaxChannelsLast
// takes the planes as the channels of one channels-last image (four vectors, one, eight channels and single ones).
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class MaxWindowsTests
{
    // (H, W, kH, kW, strideH, strideW, dilation, padTop, padLeft, padBottom, padRight, ceil)
    private static readonly int[][] Cases =
    [
        [54, 54, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1],   // SqueezeNet, ceil mode: the last window hangs past the edge
        [27, 27, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1],
        [48, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0],   // ShuffleNet
        [9, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 0],    // dilated
        [13, 17, 2, 4, 3, 3, 1, 1, 0, 1, 2, 0],   // stride 3, asymmetric pads
        [1, 40, 1, 5, 1, 2, 1, 0, 2, 0, 2, 0],    // 1-D
        [8, 8, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0],     // padded 2×2 (not Max2x2's)
        [6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0],     // GoogLeNet's stride-1 branch pool on small planes
        [3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0],
        [3, 3, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1],     // one 2×2 output, ceil mode
        [11, 11, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1],
        [47, 47, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1],   // SqueezeNet at 96²: rows of 23, the last window past the edge
        [56, 56, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0],   // ResNet's stem pool
        [24, 35, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0],   // GoogLeNet's stride-1 branch pool
        [20, 40, 2, 5, 3, 2, 1, 0, 2, 1, 2, 1],   // stride 3 down, 2 across, wide window, ceil
        [5, 16, 3, 1, 1, 1, 1, 0, 0, 0, 0, 0],    // one column wide
        [32, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0],   // DenseNet's stem pool at 64²: 16 wide, 15 inside the row
    ];

    private static Conv2D Geometry(int[] c, int planes)
    {
        int ekh = c[6] * (c[2] - 1) + 1, ekw = c[6] * (c[3] - 1) + 1;
        int outH = Out(c[0] + c[7] + c[9] - ekh, c[4], c[11] == 1);
        int outW = Out(c[1] + c[8] + c[10] - ekw, c[5], c[11] == 1);
        return new Conv2D(1, planes, c[0], c[1], planes, c[2], c[3], planes, c[4], c[5], c[6], c[6], c[7], c[8], outH, outW)
            { PadBottom = c[9], PadRight = c[10] };
    }

    private static int Out(int span, int stride, bool ceil) => (ceil ? (span + stride - 1) / stride : span / stride) + 1;

    [Fact]
    public void MaxWindows_MaxLanes_MaxRows_and_MaxChannelsLast_give_MaxPlane_bits_and_nan_wins_its_window()
    {
        Assert.True(KernelSet.IsSupported(KernelVariant.Avx2), "MaxWindows needs AVX; every supported machine has it");
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f];
        var rng = new Random(9);
        foreach (var c in Cases)
        foreach (int planes in new[] { 5, 45, 100 })
        foreach (bool withNaN in new[] { true, false }) // MaxRows checks a plane for NaN before it tracks NaN tap by tap
        {
            var g = Geometry(c, planes);
            var x = new float[planes * g.H * g.W];
            for (int i = 0; i < x.Length; i++)
                x[i] = rng.Next(10) == 0 ? specials[rng.Next(withNaN ? 0 : 1, specials.Length)]
                    : rng.Next(3) == 0 ? (rng.Next(2) == 0 ? 0f : -0f) : (float)(rng.NextDouble() * 2 - 1);
            if (!withNaN) // one plane with +∞ but never −∞ (so its check sum stays a number), as most real planes
                for (int i = 0; i < g.H * g.W; i++)
                    if (x[i] == float.NegativeInfinity) x[i] = -3f;
            var expected = new float[planes * g.OutSpatial];
            var actual = new float[expected.Length];
            for (int p = 0; p < planes; p++)
                PoolKernels.MaxPlane(g, x.AsSpan(p * g.H * g.W, g.H * g.W), expected.AsSpan(p * g.OutSpatial, g.OutSpatial), default, 0);
            foreach (var variant in KernelSet.Supported.Where(v => v != KernelVariant.Scalar))
            foreach (string kernel in new[] { "MaxWindows", "MaxLanes", "MaxRows", "MaxChannelsLast" })
            {
                if (kernel == "MaxWindows" && !PoolKernels.HasMaxWindows(g)) continue;
                if (kernel == "MaxRows" && (variant != KernelVariant.Avx512 || !PoolKernels.HasMaxRows(g))) continue;
                Array.Fill(actual, 12345f);
                if (kernel == "MaxChannelsLast")
                {
                    // The planes as the channels of one channels-last image, its output rows in two runs.
                    var image = ConvDirectTests.Relayout(x, 1, planes, g.H * g.W, true);
                    int half = g.OutH / 2;
                    PoolKernels.MaxChannelsLast(variant, g, half, g.OutH - half, image, actual);
                    PoolKernels.MaxChannelsLast(variant, g, 0, half, image, actual);
                    actual = ConvDirectTests.Relayout(actual, 1, planes, g.OutSpatial, false);
                }
                // planes 1.. in one run, then plane 0 alone
                else foreach (var (from, count) in new[] { (1, planes - 1), (0, 1) })
                    switch (kernel)
                    {
                        case "MaxLanes": PoolKernels.MaxLanes(variant, g, x, actual, from, count); break;
                        case "MaxRows": PoolKernels.MaxRows(g, x, actual, from, count); break;
                        default: PoolKernels.MaxWindows(variant, g, x, actual, from, count); break;
                    }
                for (int i = 0; i < expected.Length; i++)
                {
                    string what = $"{variant} {kernel} case [{string.Join(",", c)}]: y[{i}] = {actual[i]}, MaxPlane {expected[i]}";
                    if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), what);
                    else Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), what);
                }
            }
        }
    }

    [Fact]
    public void Planes_smaller_than_a_vector_grid_go_to_MaxLanes()
    {
        var tiny = Geometry([3, 3, 3, 3, 2, 2, 1, 0, 0, 0, 0, 1], 1); // one 2×2 output
        Assert.False(PoolKernels.HasMaxWindows(tiny));
        Assert.True(PoolKernels.PaysMaxLanes(tiny));
        Assert.False(PoolKernels.PaysMaxLanes(Geometry(Cases[0], 1)));
    }

    [FactRequiringKernels(KernelVariant.Avx512)]
    public void The_tested_geometries_include_ones_MaxRows_serves()
    {
        Assert.False(PoolKernels.HasMaxRows(Geometry([32, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0], 1))); // 15 inside: MaxWindows
        Assert.Contains(Cases, c => PoolKernels.HasMaxRows(Geometry(c, 1)) && c[5] == 2);
        Assert.Contains(Cases, c => PoolKernels.HasMaxRows(Geometry(c, 1)) && c[5] == 1);
    }
}
