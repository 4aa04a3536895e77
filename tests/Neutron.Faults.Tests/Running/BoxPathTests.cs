// The cone walk's box paths (convolutions over the outputs a changed box reaches, element-wise nodes on the box
// only) against the plain path, logit for logit: a box one row too small or an arithmetic order off by one
// operation changes logits long before it changes a prediction. And PlaneBox's difference boxes, and the output
// rectangle a convolution recomputes for a box, against brute force.
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Running;

public class BoxPathTests
{
    [Theory]
    [InlineData(FaultTarget.Activation, "flip")]
    [InlineData(FaultTarget.Activation, "flip:rand3")]
    [InlineData(FaultTarget.Weight, "flip")]
    // Activation faults walking the chunk's six images as groups of 4 and 2: rows reported in image order.
    [InlineData(FaultTarget.Activation, "flip", 4)]
    public void ResNet_logits_are_bit_identical_to_the_plain_path(FaultTarget target, string spec, int walk = 32)
    {
        var model = OnnxReader.Load(SharedData.Path("models", "resnet20.onnx"));
        var data = RunnerFixtures.Images(6);
        var options = new RunnerOptions { Threads = 2, ImageChunk = 6, ConeChunk = 6, WalkImages = walk };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        foreach (var f in RunnerFixtures.Sample(plain, target, spec, 150, 23)) RunnerFixtures.AssertSameLogits(plain, fast, f.Fault, 6);
    }

    [Fact]
    public void An_add_of_branches_shifted_apart_reads_the_union_of_their_boxes()
    {
        // r → conv "up" (padded top-left: reads rows y-2..y) and conv "down" (padded bottom-right: reads y..y+2),
        // then their sum: a changed element of r leaves boxes in the two branches that do not contain each other.
        var rng = new System.Random(4);
        Tensor Filter() => Tensor.FromFloats(Enumerable.Range(0, 4 * 9).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), 4, 1, 3, 3);
        Node Conv(string name, long[] pads) => new()
        {
            Name = name, OpType = "Conv", Inputs = ["r", name + ".w"], Outputs = [name],
            Attributes = new Attributes(new Dictionary<string, object> { ["pads"] = pads }, name),
        };
        var model = new Model
        {
            Nodes =
            [
                new Node { Name = "relu", OpType = "Relu", Inputs = ["x"], Outputs = ["r"], Attributes = new Attributes([], "relu") },
                Conv("up", [2, 2, 0, 0]), Conv("down", [0, 0, 2, 2]),
                new Node { Name = "sum", OpType = "Add", Inputs = ["up", "down"], Outputs = ["s"], Attributes = new Attributes([], "sum") },
                new Node { Name = "pool", OpType = "GlobalAveragePool", Inputs = ["s"], Outputs = ["p"], Attributes = new Attributes([], "pool") },
                new Node { Name = "flat", OpType = "Flatten", Inputs = ["p"], Outputs = ["f"], Attributes = new Attributes([], "flat") },
                new Node { Name = "fc", OpType = "Gemm", Inputs = ["f", "fc.w"], Outputs = ["logits"], Attributes = new Attributes(new Dictionary<string, object> { ["transB"] = 1L }, "fc") },
            ],
            Initializers = new()
            {
                ["up.w"] = Filter(), ["down.w"] = Filter(),
                ["fc.w"] = Tensor.FromFloats(Enumerable.Range(0, 3 * 4).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), 3, 4),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 1, 12, 12])],
            Outputs = [new ValueInfo("logits", DataType.Float, [-1, 3])],
            Opsets = new() { [""] = 13 },
        };
        var images = Tensor.FromFloats(Enumerable.Range(0, 5 * 144).Select(_ => (float)rng.NextDouble()).ToArray(), 5, 1, 12, 12);
        var data = new EvaluationSet(images, new long[5]);
        var options = new RunnerOptions { Threads = 1, ImageChunk = 5, ConeChunk = 5 };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated);
        foreach (int element in new[] { 0, 30, 77, 143 })
        foreach (int bit in new[] { 3, 22, 28 })
            RunnerFixtures.AssertSameLogits(plain, fast, new Fault(FaultTarget.Activation, "r", element, bit, Neutron.Faults.Models.FaultModel.Flip), 5);
    }

    [Fact]
    public void Strided_dilated_and_unevenly_padded_convolutions_over_boxes_match_the_plain_path()
    {
        // r → a 3×3 convolution of stride 2, dilation 2 and pads (1, 0, 2, 3) → a 5×3 one of stride (1, 2) with a
        // bias → pooled logits: box windows clipped on every side, strides skipping boxes, windows past the far
        // edge. Faults in r, in the first output and in a second input channel, at corners and in the middle.
        var rng = new System.Random(9);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        Node Conv(string name, string input, long[] pads, long[] strides, long[] dilations, long[] kernel, bool bias) => new()
        {
            Name = name, OpType = "Conv", Inputs = bias ? [input, name + ".w", name + ".b"] : [input, name + ".w"], Outputs = [name],
            Attributes = new Attributes(new Dictionary<string, object> { ["pads"] = pads, ["strides"] = strides, ["dilations"] = dilations, ["kernel_shape"] = kernel }, name),
        };
        var model = new Model
        {
            Nodes =
            [
                new Node { Name = "relu", OpType = "Relu", Inputs = ["x"], Outputs = ["r"], Attributes = new Attributes([], "relu") },
                Conv("a", "r", [1, 0, 2, 3], [2, 2], [2, 2], [3, 3], false),
                Conv("b", "a", [2, 1, 2, 1], [1, 2], [1, 1], [5, 3], true),
                new Node { Name = "pool", OpType = "GlobalAveragePool", Inputs = ["b"], Outputs = ["p"], Attributes = new Attributes([], "pool") },
                new Node { Name = "flat", OpType = "Flatten", Inputs = ["p"], Outputs = ["f"], Attributes = new Attributes([], "flat") },
                new Node { Name = "fc", OpType = "Gemm", Inputs = ["f", "fc.w"], Outputs = ["logits"], Attributes = new Attributes(new Dictionary<string, object> { ["transB"] = 1L }, "fc") },
            ],
            Initializers = new()
            {
                ["a.w"] = Tensor.FromFloats(Random(20 * 2 * 9), 20, 2, 3, 3),
                ["b.w"] = Tensor.FromFloats(Random(12 * 20 * 15), 12, 20, 5, 3),
                ["b.b"] = Tensor.FromFloats(Random(12), 12),
                ["fc.w"] = Tensor.FromFloats(Random(3 * 12), 3, 12),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 2, 17, 15])],
            Outputs = [new ValueInfo("logits", DataType.Float, [-1, 3])],
            Opsets = new() { [""] = 13 },
        };
        var images = Tensor.FromFloats(Enumerable.Range(0, 7 * 2 * 17 * 15).Select(_ => (float)rng.NextDouble() - 0.3f).ToArray(), 7, 2, 17, 15);
        var data = new EvaluationSet(images, new long[7]);
        var options = new RunnerOptions { Threads = 1, ImageChunk = 7, ConeChunk = 7 };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated);
        // r: 2 × 17 × 15; a: 20 × 8 × 7 (rows (17 + 3 − 5) / 2 + 1, columns (15 + 3 − 5) / 2 + 1).
        foreach (var (value, element) in new[] { ("r", 0), ("r", 14), ("r", 127), ("r", 254), ("r", 255 + 8 * 15 + 7), ("r", 509), ("a", 0), ("a", 55), ("a", 20 * 56 - 1), ("a", 9 * 56 + 27) })
        foreach (int bit in new[] { 2, 23, 29, 30 })
            RunnerFixtures.AssertSameLogits(plain, fast, new Fault(FaultTarget.Activation, value, element, bit, Neutron.Faults.Models.FaultModel.Flip), 7);
    }

    [Fact]
    public void Element_wise_tails_give_the_plain_paths_bits_and_leave_a_faulted_weights_nodes_to_run_on_their_own()
    {
        // r → conv a → bn1 → relu1 → conv b → bn2 → relu2 → Add(relu2, r2) → relu3, pooled to logits, where bn1 and
        // bn2 share their scale "s" and r2 = relu(r) is also read by conv a's sibling c: conv a runs its tail (bn1,
        // relu1), conv b its own (bn2, relu2), the Add its Relu. A fault in "s" runs bn1 and bn2 as nodes of their own
        // (the walk re-runs every reader of a faulted weight), so conv b's tail must stop before bn2.
        var rng = new System.Random(12);
        float[] Random(int count, float low = -0.5f) => Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble() + low).ToArray();
        Node Conv(string name, string input) => new()
        {
            Name = name, OpType = "Conv", Inputs = [input, name + ".w", name + ".b"], Outputs = [name],
            Attributes = new Attributes(new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } }, name),
        };
        Node Bn(string name, string input) => new()
        {
            Name = name, OpType = "BatchNormalization", Inputs = [input, "s", name + ".b", name + ".m", name + ".v"], Outputs = [name],
            Attributes = new Attributes([], name),
        };
        Node Op(string type, string name, params string[] inputs) => new() { Name = name, OpType = type, Inputs = inputs, Outputs = [name], Attributes = new Attributes([], name) };
        var model = new Model
        {
            Nodes =
            [
                Op("Relu", "r", "x"), Conv("a", "r"), Bn("bn1", "a"), Op("Relu", "relu1", "bn1"), Conv("b", "relu1"), Bn("bn2", "b"),
                Op("Relu", "relu2", "bn2"), Conv("c", "r"), Op("Relu", "r2", "c"), Op("Add", "sum", "relu2", "r2"), Op("Relu", "relu3", "sum"),
                Op("GlobalAveragePool", "pool", "relu3"), Op("Flatten", "flat", "pool"),
                new Node { Name = "fc", OpType = "Gemm", Inputs = ["flat", "fc.w"], Outputs = ["logits"], Attributes = new Attributes(new Dictionary<string, object> { ["transB"] = 1L }, "fc") },
            ],
            Initializers = new()
            {
                ["a.w"] = Tensor.FromFloats(Random(4 * 2 * 9), 4, 2, 3, 3), ["a.b"] = Tensor.FromFloats(Random(4), 4),
                ["b.w"] = Tensor.FromFloats(Random(4 * 4 * 9), 4, 4, 3, 3), ["b.b"] = Tensor.FromFloats(Random(4), 4),
                ["c.w"] = Tensor.FromFloats(Random(4 * 2 * 9), 4, 2, 3, 3), ["c.b"] = Tensor.FromFloats(Random(4), 4),
                ["s"] = Tensor.FromFloats(Random(4, 0.5f), 4),
                ["bn1.b"] = Tensor.FromFloats(Random(4), 4), ["bn1.m"] = Tensor.FromFloats(Random(4), 4), ["bn1.v"] = Tensor.FromFloats(Random(4, 0.5f), 4),
                ["bn2.b"] = Tensor.FromFloats(Random(4), 4), ["bn2.m"] = Tensor.FromFloats(Random(4), 4), ["bn2.v"] = Tensor.FromFloats(Random(4, 0.5f), 4),
                ["fc.w"] = Tensor.FromFloats(Random(3 * 4), 3, 4),
            },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 2, 11, 13])],
            Outputs = [new ValueInfo("logits", DataType.Float, [-1, 3])],
            Opsets = new() { [""] = 13 },
        };
        var images = Tensor.FromFloats(Random(6 * 2 * 11 * 13, -0.3f), 6, 2, 11, 13);
        var data = new EvaluationSet(images, new long[6]);
        var options = new RunnerOptions { Threads = 1, ImageChunk = 6, ConeChunk = 6 };
        var plain = new FaultRunner(model, data, options with { Plain = true });
        var fast = new FaultRunner(model, data, options);
        Assert.True(fast.Accelerated);
        var faults = new List<Fault>();
        foreach (int element in new[] { 0, 3 })
        foreach (int bit in new[] { 1, 23, 30 })
            faults.Add(new Fault(FaultTarget.Weight, "s", element, bit, Neutron.Faults.Models.FaultModel.Flip));
        foreach (var (value, element) in new[] { ("r", 0), ("r", 150), ("a", 77), ("bn1", 200), ("r2", 300), ("b", 571) })
        foreach (int bit in new[] { 2, 22, 30 })
            faults.Add(new Fault(FaultTarget.Activation, value, element, bit, Neutron.Faults.Models.FaultModel.Flip));
        foreach (var fault in faults) RunnerFixtures.AssertSameLogits(plain, fast, fault, 6);
    }

    [Fact]
    public void Outputs_outside_the_reading_rectangle_do_not_read_the_input_rectangle()
    {
        // (H, W, kH, kW, stride, dilation, pad)
        int[][] cases = [[28, 28, 5, 5, 1, 1, 2], [28, 28, 3, 3, 2, 1, 1], [28, 28, 1, 1, 2, 1, 0], [7, 7, 3, 3, 1, 1, 1], [9, 11, 3, 3, 1, 2, 2], [6, 13, 2, 4, 3, 1, 1]];
        var rng = new System.Random(6);
        foreach (var c in cases)
        {
            int outH = (c[0] + 2 * c[6] - (c[5] * (c[2] - 1) + 1)) / c[4] + 1, outW = (c[1] + 2 * c[6] - (c[5] * (c[3] - 1) + 1)) / c[4] + 1;
            var g = new Neutron.Engine.Kernels.Conv2D(1, 1, c[0], c[1], 1, c[2], c[3], 1, c[4], c[4], c[5], c[5], c[6], c[6], outH, outW);
            for (int trial = 0; trial < 40; trial++)
            {
                int iy0 = rng.Next(g.H), iy1 = rng.Next(iy0 + 1, g.H + 1), ix0 = rng.Next(g.W), ix1 = rng.Next(ix0 + 1, g.W + 1);
                var reading = ConvRegions.OutputsReading(g, new PlaneBox(iy0, iy1, ix0, ix1));
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
                    bool inside = oy >= reading.Y0 && oy < reading.Y1 && ox >= reading.X0 && ox < reading.X1;
                    Assert.False(reads && !inside, $"case [{string.Join(",", c)}] input [{iy0},{iy1})x[{ix0},{ix1}): output ({oy},{ox}) reads it but lies outside {reading}");
                }
            }
        }
    }

    [Fact]
    public void Difference_boxes_are_the_smallest_holding_every_difference()
    {
        var rng = new System.Random(8);
        const int channels = 3, height = 9, width = 11;
        for (int trial = 0; trial < 200; trial++)
        {
            var golden = Enumerable.Range(0, channels * height * width).Select(_ => (float)rng.NextDouble()).ToArray();
            var row = (float[])golden.Clone();
            // 0: bit-equal; 1-3 scattered; 30: most of the plane, so the box is whole before the last lines (the scan
            // stops there); 5: the plane's corners in one channel, differences beyond them in the others.
            int changes = (trial % 6) switch { 4 => 30, 5 => 0, var k => k };
            for (int i = 0; i < changes; i++)
            {
                int e = rng.Next(row.Length);
                row[e] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(row[e]) ^ (1 << rng.Next(32)));
            }
            if (trial % 6 == 5)
            {
                int channel = rng.Next(channels), plane = channel * height * width;
                foreach (int e in new[] { plane, plane + width - 1, plane + (height - 1) * width, plane + height * width - 1, rng.Next(row.Length) })
                    row[e] = -row[e] - 1;
            }
            PlaneBox? expected = null;
            for (int e = 0; e < row.Length; e++)
                if (BitConverter.SingleToInt32Bits(row[e]) != BitConverter.SingleToInt32Bits(golden[e]))
                {
                    var here = PlaneBox.Of(e, height, width);
                    expected = expected?.Union(here) ?? here;
                }
            Assert.Equal(expected, PlaneBox.Differences(row, golden, channels, height, width));

            // The packed form, over any box holding the differences.
            var box = expected ?? new PlaneBox(2, 5, 3, 4);
            var outer = new PlaneBox(Math.Max(0, box.Y0 - 1), box.Y1, box.X0, Math.Min(width, box.X1 + 2));
            var packed = new List<float>();
            for (int c = 0; c < channels; c++)
            for (int y = outer.Y0; y < outer.Y1; y++)
            for (int x = outer.X0; x < outer.X1; x++) packed.Add(row[(c * height + y) * width + x]);
            Assert.Equal(expected, PlaneBox.Differences(packed.ToArray(), outer, golden, channels, height, width));
        }
    }
    // Rows that hold only their box: completed, they are golden outside the box and themselves inside, bit for bit;
    // the comparison inside a box sees exactly the differences inside it (full-width boxes compare whole runs).
    [Fact]
    public void Rows_that_hold_only_their_box_complete_to_golden_outside_it()
    {
        var rng = new System.Random(9);
        const int channels = 3, height = 7, width = 10, images = 4, rowWidth = channels * height * width;
        var golden = Enumerable.Range(0, images * rowWidth).Select(_ => (float)rng.NextDouble()).ToArray();
        for (int trial = 0; trial < 200; trial++)
        {
            int y0 = rng.Next(height), y1 = rng.Next(y0 + 1, height + 1);
            int x0 = trial % 3 == 0 ? 0 : rng.Next(width), x1 = trial % 3 == 0 ? width : rng.Next(x0 + 1, width + 1);
            var box = new PlaneBox(y0, y1, x0, x1);
            var rows = new PerturbedRows(images, rowWidth);
            var written = new float[images][];
            foreach (int n in new[] { 1, 3 })
            {
                var row = rows.Add(n);
                row.Fill(float.NaN); // what a reused buffer may hold outside the box
                written[n] = new float[rowWidth];
                for (int e = 0; e < rowWidth; e++)
                {
                    int y = e / width % height, x = e % width;
                    bool inside = y >= y0 && y < y1 && x >= x0 && x < x1;
                    written[n][e] = inside ? (float)rng.NextDouble() + 2 : golden[n * rowWidth + e];
                    if (inside) row[e] = written[n][e];
                }
            }
            rows.HoldOnly(box, channels, height, width);
            Assert.Equal(box.Area < height * width, rows.Sparse);
            for (int r = 0; r < rows.Count; r++)
                Assert.False(box.BitEqualInside(rows.Row(r), golden.AsSpan(rows.Images[r] * rowWidth, rowWidth), channels, height, width));
            rows.Complete(golden);
            Assert.False(rows.Sparse);
            for (int r = 0; r < rows.Count; r++)
                Assert.Equal(written[rows.Images[r]], rows.Row(r).ToArray());
            // Equal inside the box once it is golden there; a change outside it is not looked at.
            var copy = golden.AsSpan(rowWidth, rowWidth).ToArray();
            Assert.True(box.BitEqualInside(copy, golden.AsSpan(rowWidth, rowWidth), channels, height, width));
            int outside = Enumerable.Range(0, rowWidth).FirstOrDefault(e => !(e / width % height >= y0 && e / width % height < y1 && e % width >= x0 && e % width < x1), -1);
            if (outside >= 0)
            {
                copy[outside] += 1;
                Assert.True(box.BitEqualInside(copy, golden.AsSpan(rowWidth, rowWidth), channels, height, width));
            }
            int last = ((channels - 1) * height + y1 - 1) * width + x1 - 1; // the box's last element
            copy[last] = -copy[last] - 1;
            Assert.False(box.BitEqualInside(copy, golden.AsSpan(rowWidth, rowWidth), channels, height, width));
        }
    }
}
