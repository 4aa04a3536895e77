// ConvDirect against its scalar twin Element and against the im2col + GEMM path (ConvKernels.Forward, avx2), bit
// for bit, under every vector kernel set: the fault runner's ConvChannel and GemmSlices repeat that
// path's arithmetic, so the two must agree on every bit, NaN and Inf included. Cases cover every tile (32, 16 and
// 8 channels per vector; under avx512 the channel-rows tile of the 6- and 16-channel stride-1 cases, split into
// pieces for batches under four), channel groups, parts padding their own images, patches of one to three 256 blocks, pads, strides, dilations, 1-D shapes, batches whose
// pixel count is no multiple of the twelve-pixel tile, every fused activation (applied in registers on the way out),
// a fused shortcut (a residual Add) in both operand orders, channels-last (NHWC) inputs and outputs, windows
// clipped at the image's edges (finite weights) against padded planes (the cases with an infinite weight), and
// channel rows reading a same convolution's input in place (lanes past the edges masked).
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class ConvDirectTests
{
    // (C, H, W, M, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft, padBottom, padRight, N)
    private static readonly int[][] Cases =
    [
        [1, 28, 28, 6, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 2],      // LeNet conv1
        [6, 14, 14, 16, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 3],     // LeNet conv2
        [16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2],    // ResNet-20 layer1 (one block)
        [32, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3],      // three blocks (288 + ... ), 7×7 planes
        [64, 5, 5, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1],      // 576 = 256 + 256 + 64, tiles of 32 + 32 + 8
        [16, 9, 11, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2],     // strided 3×3, tiles 32 + 16
        [16, 8, 8, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2],      // pointwise (no padded copy)
        [16, 8, 8, 24, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1],      // 1×1 stride 2 (ResNet shortcut)
        [8, 7, 9, 12, 3, 2, 1, 2, 2, 1, 2, 0, 1, 3, 2],       // dilated, asymmetric pads
        [3, 1, 50, 5, 1, 7, 1, 3, 1, 2, 0, 4, 0, 1, 2],       // 1-D (height 1), strided and dilated
        [2, 3, 3, 4, 5, 5, 1, 1, 1, 1, 3, 3, 3, 3, 2],        // window larger than the input, mostly padding
        [3, 20, 20, 17, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1],     // a 7×7 stride-2 stem, channels past a vector
        [8, 8, 8, 300, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3],      // many channels: two channel groups (160 + the rest)
        [12, 7, 7, 70, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2],      // transposed out in 8 × 8 blocks and edges
        [300, 10, 10, 21, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2],   // 1×1 over two summation blocks (256 + 44)
        [130, 6, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2],     // padded copy of 128 channels or more (skewed pixels)
        [40, 3, 3, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2],     // few pixels, many filters: a channel group per core
        [4, 5, 5, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 40],      // parts of several images, each padding its own
        [5, 9, 13, 12, 3, 3, 1, 1, 1, 1, 2, 0, 0, 2, 2],      // channel rows, padding on the right only
        [6, 12, 30, 10, 3, 3, 1, 1, 2, 2, 2, 1, 2, 3, 2],     // channel rows, dilated, the right pad wider
        [5, 10, 24, 8, 3, 5, 1, 1, 1, 1, 1, 3, 1, 1, 2],      // channel rows, the left pad wider
        [32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9],    // windows clipped in 9 classes over parts that cut images
        [24, 14, 10, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3],    // clipped, stride 2: edges on the top and left only
        [2, 6, 6, 8, 11, 11, 1, 1, 1, 1, 5, 5, 5, 5, 1],      // 36 window classes: too many to clip, padded planes
        [8, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5],     // channel rows in place: whole loads inside the batch, masked at its ends
        [3, 10, 9, 8, 5, 3, 1, 1, 1, 1, 2, 1, 2, 1, 3],       // channel rows in place, a 5 × 3 window, images cut into pieces
        [4, 8, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3],      // channel rows in place, 80 pixels: tiles of 48 and 32
        [3, 14, 20, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2],      // channel rows, dilated: 306 pixels to the last column, the last tile 32 wide
    ];

    public static TheoryData<KernelVariant> VectorVariants()
    {
        var data = new TheoryData<KernelVariant>();
        foreach (var v in KernelSet.Supported)
            if (v != KernelVariant.Scalar) data.Add(v);
        return data;
    }

    private static Conv2D Geometry(int[] c)
    {
        int outH = (c[1] + c[10] + c[12] - (c[8] * (c[4] - 1) + 1)) / c[6] + 1;
        int outW = (c[2] + c[11] + c[13] - (c[9] * (c[5] - 1) + 1)) / c[7] + 1;
        return new Conv2D(c[14], c[0], c[1], c[2], c[3], c[4], c[5], 1, c[6], c[7], c[8], c[9], c[10], c[11], outH, outW)
            { PadBottom = c[12], PadRight = c[13] };
    }

    private static void Sequential(int count, long work, Action<int> body)
    {
        for (int i = 0; i < count; i++) body(i);
    }

    private static void Parallel(int count, long work, Action<int> body) => System.Threading.Tasks.Parallel.For(0, count, body);

    /// <summary>Random inputs and filters with a few extreme values: 3e38 (overflows a sum), ±Inf and NaN.</summary>
    private static (float[] X, float[] W, float[] B) Data(Random rng, Conv2D g, bool extremes)
    {
        var x = Gemm32Tests.Random(rng, g.N * g.C * g.H * g.W);
        var w = Gemm32Tests.Random(rng, g.M * g.PatchSize);
        var b = Gemm32Tests.Random(rng, g.M);
        if (extremes)
        {
            x[rng.Next(x.Length)] = float.NaN;
            x[rng.Next(x.Length)] = float.PositiveInfinity;
            w[rng.Next(w.Length)] = 3e38f;
            w[rng.Next(w.Length)] = float.NegativeInfinity;
            b[rng.Next(b.Length)] = float.NaN;
        }
        return (x, w, b);
    }

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Matches_its_scalar_twin_and_the_im2col_gemm_bit_for_bit(KernelVariant variant)
    {
        var rng = new Random(16);
        foreach (var c in Cases)
        foreach (bool extremes in new[] { false, true })
        foreach (bool withBias in new[] { true, false })
        {
            var g = Geometry(c);
            var (x, w, b) = Data(rng, g, extremes);
            int perImage = g.C * g.H * g.W, outPerImage = g.M * g.OutSpatial;
            var actual = new float[g.N * outPerImage];
            Array.Fill(actual, float.NaN); // every output must be written
            ConvDirect.Run(variant, g, x, w, withBias ? b : null, actual, Activation.None, Sequential);

            var twin = new float[actual.Length];
            for (int n = 0; n < g.N; n++)
                for (int m = 0; m < g.M; m++)
                    for (int oy = 0; oy < g.OutH; oy++)
                        for (int ox = 0; ox < g.OutW; ox++)
                            twin[((n * g.M + m) * g.OutH + oy) * g.OutW + ox] = ConvDirect.Element(g, x, w, withBias ? b : [], n, m, oy, ox);
            string what = $"{variant} case [{string.Join(",", c)}] extremes {extremes} bias {withBias}";
            BitAssert.Same(twin, actual, what + " vs Element");

            var gemm = new float[actual.Length];
            var one = g with { N = 1 };
            for (int n = 0; n < g.N; n++)
                ConvKernels.Forward(KernelVariant.Avx2, one, 0, x.AsSpan(n * perImage, perImage), w, withBias ? b : [], gemm.AsSpan(n * outPerImage, outPerImage));
            BitAssert.Same(gemm, actual, what + " vs im2col + GEMM");
        }
    }

    // Layers large enough for the pixel rows to clip their windows at the image's edges (ConvDirect.ClipsWindows: a
    // tenth or so of the taps over the padding, parts of four tiles per window class or more, class filters in L2 or
    // enough pixels saved), against the scalar twin bit for bit: finite weights run clipped, the cases with an
    // infinite weight on padded planes. ResNet-18's 7 × 7 layer at batch 8 does not clip (51 MB of class filters).
    private static readonly int[][] ClippedCases =
    [
        [32, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 100],   // ResNet-20's last stage: nine classes
        [32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 30],  // its second, parts cutting images
        [32, 14, 14, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 100], // stride 2: edges on the top and left only
        [24, 9, 8, 40, 5, 3, 1, 1, 1, 1, 2, 1, 2, 1, 120],   // a 5 × 3 window, 15 classes, tiles of 32 + 16 channels
        [270, 5, 5, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 170],  // ten summation blocks (2430 = 256 · 9 + 126)
    ];

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Clipped_windows_give_the_scalar_twins_bits(KernelVariant variant)
    {
        Assert.False(ConvDirect.ClipsWindows(variant, Geometry([512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8])));
        var rng = new Random(64);
        foreach (var c in ClippedCases)
        foreach (bool extremes in new[] { false, true })
        foreach (bool inLast in new[] { false, true })
        {
            var g = Geometry(c);
            Assert.True(ConvDirect.ClipsWindows(variant, g), $"{variant} case [{string.Join(",", c)}] does not clip");
            var (x, w, b) = Data(rng, g, extremes);
            var actual = new float[g.N * g.M * g.OutSpatial];
            Array.Fill(actual, float.NaN); // every output must be written
            ConvDirect.Run(variant, g, inLast ? Relayout(x, g.N, g.C, g.H * g.W, true) : x, w, b, actual, Activation.None, Parallel,
                inputChannelsLast: inLast);
            var twin = new float[actual.Length];
            for (int n = 0; n < g.N; n++)
                for (int m = 0; m < g.M; m++)
                    for (int oy = 0; oy < g.OutH; oy++)
                        for (int ox = 0; ox < g.OutW; ox++)
                            twin[((n * g.M + m) * g.OutH + oy) * g.OutW + ox] = ConvDirect.Element(g, x, w, b, n, m, oy, ox);
            BitAssert.Same(twin, actual, $"{variant} case [{string.Join(",", c)}] extremes {extremes} channels last {inLast}");
        }
    }

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Fused_activation_a_parallel_loop_and_groups_of_images_change_no_bit(KernelVariant variant)
    {
        var rng = new Random(61);
        Activation[] activations =
        [
            new(ActivationKind.Relu), new(ActivationKind.Clip, -0.5f, 0.75f), new(ActivationKind.LeakyRelu, 0.1f),
            new(ActivationKind.HardSigmoid, 0.2f, 0.5f), new(ActivationKind.HardSwish), new(ActivationKind.Sigmoid), new(ActivationKind.Silu),
        ];
        foreach (var c in Cases)
        foreach (var f in activations)
        foreach (int batch in new[] { 2, 5 }) // 2: images cut into pieces, each piece's epilogue over its own outputs
        {
            var g = Geometry(c) with { N = batch };
            var (x, w, b) = Data(rng, g, extremes: true);
            var plain = new float[g.N * g.M * g.OutSpatial];
            ConvDirect.Run(variant, g, x, w, b, plain, Activation.None, Sequential);
            var expected = plain.Select(v => ActivationKernels.Reference(f, v)).ToArray();
            var fused = new float[plain.Length];
            ConvDirect.Run(variant, g, x, w, b, fused, f, Parallel);
            BitAssert.Same(expected, fused, $"{variant} {f} batch {batch} case [{string.Join(",", c)}]");
            // In groups of one or two images (a padded input budget below two images).
            Array.Fill(fused, float.NaN);
            ConvDirect.Run(variant, g, x, w, b, fused, f, Parallel, paddedFloats: 2 * g.C * (g.H + 8) * (g.W + 8) - 1);
            BitAssert.Same(expected, fused, $"{variant} {f} batch {batch} case [{string.Join(",", c)}]");
            // A shortcut added after the bias and before f, in either operand order (NaN against NaN tells them apart).
            var added = Gemm32Tests.Random(rng, plain.Length);
            added[rng.Next(added.Length)] = float.NaN;
            foreach (bool convFirst in new[] { true, false })
            {
                var withShortcut = plain.Select((v, i) => ActivationKernels.Reference(f, convFirst ? v + added[i] : added[i] + v)).ToArray();
                Array.Fill(fused, float.NaN);
                ConvDirect.Run(variant, g, x, w, b, fused, f, Parallel, shortcut: new Shortcut(added, convFirst));
                BitAssert.Same(withShortcut, fused, $"{variant} {f} shortcut (conv first {convFirst}) batch {batch} case [{string.Join(",", c)}]");
            }
        }
    }

    // Packed filters kept between runs (an optimised session's constant weights): the same bits as packing each run,
    // on both paths, and packed again for another weight array.
    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Kept_filters_give_the_same_bits_and_follow_another_weight_array(KernelVariant variant)
    {
        var rng = new Random(62);
        foreach (var c in new[] { Cases[0], Cases[2], Cases[5], Cases[12] })
        {
            var g = Geometry(c);
            var (x, w, b) = Data(rng, g, extremes: false);
            var other = Gemm32Tests.Random(rng, w.Length);
            var keep = new PackedFilters();
            foreach (var weights in new[] { w, w, other, w })
            {
                var expected = new float[g.N * g.M * g.OutSpatial];
                ConvDirect.Run(variant, g, x, weights, b, expected, Activation.None, Sequential);
                var kept = new float[expected.Length];
                ConvDirect.Run(variant, g, x, weights, b, kept, Activation.None, Parallel, keep: keep);
                BitAssert.Same(expected, kept, $"{variant} kept filters, case [{string.Join(",", c)}]");
            }
        }
    }

    [Fact]
    public void Kept_filters_hold_two_packings_and_repack_a_third_layout_or_other_weights()
    {
        var keep = new PackedFilters();
        float[] w = [1f, 2f, 3f], other = [1f, 2f, 3f];
        var pixels = new PackedFilters.Layout(false, 16, 3, KernelVariant.Avx512);
        var rows = new PackedFilters.Layout(true, 8, 3, KernelVariant.Avx512);
        var gemm = new PackedFilters.Layout(false, 32, 3, KernelVariant.Avx512);
        int packs = 0;
        float[] Get(float[] weights, PackedFilters.Layout layout, float mark) =>
            keep.Get(weights, layout, 4, packed => { packs++; packed[0] = mark; });

        var first = Get(w, pixels, 1f);
        var second = Get(w, rows, 2f);
        Assert.Same(first, Get(w, pixels, 9f)); // both layouts kept: switching back packs nothing
        Assert.Same(second, Get(w, rows, 9f));
        Assert.Equal(2, packs);
        Assert.Equal(1f, first[0]);
        Assert.Equal(2f, second[0]);
        Assert.Same(first, Get(w, pixels, 9f));
        Get(w, gemm, 3f); // a third layout drops the one used least recently (rows)
        Assert.Same(first, Get(w, pixels, 9f));
        Assert.Equal(3, packs);
        Assert.NotSame(second, Get(w, rows, 4f));
        Assert.Equal(4, packs);
        Assert.Equal(5f, Get(other, pixels, 5f)[0]); // equal contents, another array: packed again
        Assert.Equal(5, packs);
    }

    /// <summary>A copy of n images of c planes of `plane` floats: NCHW → NHWC (toChannelsLast) or back.</summary>
    public static float[] Relayout(float[] t, int n, int c, int plane, bool toChannelsLast)
    {
        var to = new float[t.Length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < plane; p++)
                {
                    int planar = (i * c + ch) * plane + p, last = (i * plane + p) * c + ch;
                    if (toChannelsLast) to[last] = t[planar];
                    else to[planar] = t[last];
                }
        return to;
    }

    // Channels-last (NHWC) input, output, or both, as an optimised session chains them: the planar run's bits,
    // element by element, with padding (a channels-last padded copy), strides, a fused activation and a shortcut laid
    // out as the output, in groups of images and in parallel.
    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Channels_last_input_and_output_give_the_planar_bits(KernelVariant variant)
    {
        var rng = new Random(63);
        var clip = new Activation(ActivationKind.Clip, 0f, 6f);
        foreach (var c in Cases)
        foreach (var (inLast, outLast) in new[] { (true, false), (false, true), (true, true) })
        foreach (bool extremes in new[] { false, true })
        {
            var g = Geometry(c);
            var (x, w, b) = Data(rng, g, extremes);
            var added = Gemm32Tests.Random(rng, g.N * g.M * g.OutSpatial);
            added[rng.Next(added.Length)] = float.NaN;
            var f = extremes ? clip : new Activation(ActivationKind.Sigmoid);
            var shortcut = extremes ? new Shortcut(added, ConvFirst: false) : (Shortcut?)null;
            var expected = new float[added.Length];
            ConvDirect.Run(variant, g, x, w, b, expected, f, Sequential, shortcut: shortcut);

            var input = inLast ? Relayout(x, g.N, g.C, g.H * g.W, true) : x;
            var laidOut = shortcut is { } s && outLast ? new Shortcut(Relayout(s.Values, g.N, g.M, g.OutSpatial, true), s.ConvFirst) : shortcut;
            var actual = new float[expected.Length];
            Array.Fill(actual, float.NaN); // every output must be written
            ConvDirect.Run(variant, g, input, w, b, actual, f, Parallel, paddedFloats: 2 * g.C * (g.H + 8) * (g.W + 8) - 1, shortcut: laidOut,
                inputChannelsLast: inLast, outputChannelsLast: outLast);
            if (outLast) actual = Relayout(actual, g.N, g.M, g.OutSpatial, false);
            BitAssert.Same(expected, actual, $"{variant} in NHWC {inLast} out NHWC {outLast} extremes {extremes} case [{string.Join(",", c)}]");
        }
    }

    // A channels-last output written as channels [offset, offset + M) of wider pixel rows (a Concat's output) holds the
    // layer's own NHWC output there and leaves every other channel as it was.
    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Channels_last_output_into_wider_rows_fills_only_its_channels(KernelVariant variant)
    {
        var rng = new Random(64);
        foreach (var c in Cases)
        {
            var g = Geometry(c);
            var (x, w, b) = Data(rng, g, extremes: true);
            var f = new Activation(ActivationKind.Relu);
            var own = new float[g.N * g.M * g.OutSpatial];
            ConvDirect.Run(variant, g, x, w, b, own, f, Sequential, outputChannelsLast: true);
            int offset = 1 + rng.Next(9), stride = offset + g.M + rng.Next(5);
            var wide = new float[g.N * g.OutSpatial * stride];
            Array.Fill(wide, -7f);
            ConvDirect.Run(variant, g, x, w, b, wide, f, Parallel, paddedFloats: 2 * g.C * (g.H + 8) * (g.W + 8) - 1, outputChannelsLast: true,
                outputRows: new PixelRows(stride, offset));
            var expected = new float[wide.Length];
            Array.Fill(expected, -7f);
            for (int p = 0; p < g.N * g.OutSpatial; p++) Array.Copy(own, p * g.M, expected, p * stride + offset, g.M);
            BitAssert.Same(expected, wide, $"{variant} rows of {stride} from {offset}, case [{string.Join(",", c)}]");
        }
        var layer = Geometry(Cases[0]);
        Assert.Throws<ArgumentException>(() => ConvDirect.Run(variant, layer, new float[layer.N * layer.C * layer.H * layer.W], new float[layer.M * layer.PatchSize],
            null, new float[layer.N * layer.OutSpatial * (layer.M + 1)], Activation.None, Sequential, outputChannelsLast: true, outputRows: new PixelRows(layer.M, 1)));
    }

    [Fact]
    public void Refuses_grouped_layers_and_the_scalar_set()
    {
        var g = new Conv2D(1, 4, 5, 5, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 5, 5);
        Assert.False(ConvDirect.Supports(KernelVariant.Avx2, g));
        Assert.False(ConvDirect.Supports(KernelVariant.Scalar, g with { Group = 1 }));
        Assert.Throws<ArgumentException>(() => ConvDirect.Run(KernelVariant.Scalar, g with { Group = 1 }, new float[100], new float[144], null, new float[100], Activation.None, Sequential));
    }
    [Theory]
    // One block: the chain's FMAs from the tap's own on, then the bias.
    [InlineData(144, 0, 145)]
    [InlineData(144, 143, 2)]
    // 256 + 256 + 64: the two block additions after the first block, then the bias; the third block's taps only
    // the last addition.
    [InlineData(576, 0, 259)]
    [InlineData(576, 255, 4)]
    [InlineData(576, 256, 259)]
    [InlineData(576, 511, 4)]
    [InlineData(576, 512, 66)]
    [InlineData(576, 575, 3)]
    public void Tap_roundings_count_the_chain_the_block_additions_and_the_bias(int patch, int tap, int roundings)
    {
        Assert.Equal(roundings, ConvDirect.TapRoundings(patch, tap));
        Assert.Equal(ConvDirect.TapRoundings(patch, 0), ConvDirect.RoundingDepth(patch));
    }

    [Theory]
    [MemberData(nameof(VectorVariants))]
    public void Rounding_depth_bounds_each_elements_error_from_its_exact_sum(KernelVariant variant)
    {
        // The fault runner's proof takes Σ_taps γ of TapRoundings times |product| (+ u·|bias|) as the most an
        // element can be off its exact sum, which is within γ of RoundingDepth times Σ|terms|. Patches of one to three
        // summation blocks, every product positive (so the partial sums, and the roundings of each chain, grow as
        // large as they can), the exact sum in double (a float product is exact).
        var rng = new Random(31);
        const double unit = 1.0 / (1 << 24);
        double worst = 0;
        foreach (int channels in new[] { 16, 40, 64 })
        {
            var g = new Conv2D(6, channels, 3, 3, 8, 3, 3, 1, 1, 1, 1, 1, 0, 0, 1, 1);
            var x = Enumerable.Range(0, g.N * g.C * 9).Select(_ => (float)(1 + rng.NextDouble())).ToArray();
            var w = Enumerable.Range(0, g.M * g.PatchSize).Select(_ => (float)(1 + rng.NextDouble())).ToArray();
            var b = Enumerable.Range(0, g.M).Select(_ => (float)rng.NextDouble()).ToArray();
            var y = new float[g.N * g.M];
            ConvDirect.Run(variant, g, x, w, b, y, Activation.None, Sequential);
            int depth = ConvDirect.RoundingDepth(g.PatchSize);
            double gamma = depth * unit / (1 - depth * unit);
            for (int n = 0; n < g.N; n++)
            for (int m = 0; m < g.M; m++)
            {
                double exact = b[m], magnitude = Math.Abs(b[m]), weighted = Math.Abs(b[m]);
                for (int k = 0; k < g.PatchSize; k++)
                {
                    double term = (double)x[n * g.PatchSize + k] * w[m * g.PatchSize + k];
                    exact += term;
                    magnitude += Math.Abs(term);
                    weighted += ConvDirect.TapRoundings(g.PatchSize, k) * Math.Abs(term);
                }
                double error = Math.Abs(y[n * g.M + m] - exact);
                Assert.True(error <= gamma * magnitude, $"{g.PatchSize} taps, image {n}, channel {m}: off by {error / (unit * magnitude):F1} u·Σ|t|, bound {depth}");
                Assert.True(error <= unit / (1 - depth * unit) * weighted, $"{g.PatchSize} taps, image {n}, channel {m}: off by {error / unit:F1} u, tap bound {weighted:F1}");
                worst = Math.Max(worst, error / (unit * magnitude));
            }
        }
        // The data are hard enough to matter: a bound of one rounding per product would not hold.
        Assert.True(worst > 1, $"the worst element is off by only {worst:F2} u·Σ|t|");
    }
}
