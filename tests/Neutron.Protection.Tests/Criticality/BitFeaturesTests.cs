// Known answers for the structural features of a weight bit (BitFeatures) on hand-built tensors in fp32 and fxp8.6,
// and for the labelled training rows made from a campaign (CriticalityData).
using Neutron.Analysis.Campaign;
using Neutron.Protection.Criticality;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Protection.Tests.Criticality;

public class BitFeaturesTests
{
    static readonly string[] N = [.. BitFeatures.StructuralNames, .. BitFeatures.GradientNames];

    internal static (BitFeatures Features, FaultSpace Space) Build(NumberFormat format, float[]?[]? gradients = null)
    {
        var conv = new float[24];
        for (int i = 0; i < 24; i++) conv[i] = 0.01f * (i + 1);
        conv[17] = -0.75f;
        conv[3] = 1.5f;
        conv[4] = 1.0f;
        var model = new Model
        {
            Nodes = [], Inputs = [], Outputs = [], Opsets = new() { [""] = 13 },
            Initializers = new()
            {
                ["conv.weight"] = Tensor.FromFloats(conv, 2, 3, 2, 2),
                ["conv.bias"] = Tensor.FromFloats([0.5f, -0.25f], 2),
                ["fc.weight"] = Tensor.FromFloats(Enumerable.Range(0, 24).Select(i => i / 64f).ToArray(), 4, 6),
            },
        };
        FaultSite[] sites =
        [
            new(FaultTarget.Weight, "conv.weight", "/conv/Conv", "Conv", [2, 3, 2, 2], format.Width),
            new(FaultTarget.Weight, "conv.bias", "/conv/Conv", "Conv", [2], format.Width),
            new(FaultTarget.Weight, "fc.weight", "/fc/Gemm", "Gemm", [4, 6], format.Width),
        ];
        var space = new FaultSpace(sites);
        return (new BitFeatures(space, new StoredWeights(model, sites, format), gradients), space);
    }

    static Dictionary<string, float> Row(BitFeatures f, int site, long element, int bit)
    {
        var row = new float[f.Count];
        f.Fill(site, element, bit, row);
        return N.Take(f.Count).Select((name, i) => (name, row[i])).ToDictionary(p => p.name, p => p.Item2);
    }

    [Fact]
    public void A_conv_weight_bit_has_its_position_fans_and_exact_delta()
    {
        var (f, _) = Build(NumberFormat.Fp32);
        var r = Row(f, 0, 17, 30); // element 17 of (2, 3, 2, 2): out 1, in 1, kernel 1; -0.75 = 0xBF400000
        Assert.Equal((1f, 30f, 0f, 1f, 1f, 1f), (r["sign"], r["bit"], r["layer"], r["out_channel"], r["in_channel"], r["kernel_position"]));
        Assert.Equal((12f, 8f), (r["fan_in"], r["fan_out"])); // 3 × 2 × 2 in, 2 × 2 × 2 out
        Assert.Equal((0.75f, -1f, 0f), (r["magnitude"], r["exponent"], r["bit_value"]));
        // Bit 30 set: exponent 126 → 254, −0.75 becomes −1.5 × 2^127.
        Assert.Equal((float)(-1.5 * Math.Pow(2, 127) + 0.75), r["delta"]);
        Assert.Equal(-r["delta"], r["abs_delta"]);
        Assert.Equal(0f, r["nonfinite"]);
        var low = Row(f, 0, 17, 22); // the mantissa's top bit is 1 in 0xBF400000: clearing it makes −0.5
        Assert.Equal((1f, 0.25f), (low["bit_value"], low["delta"]));
    }

    [Fact]
    public void The_relative_magnitude_is_against_the_largest_value_of_the_tensor()
    {
        var (f, _) = Build(NumberFormat.Fp32);
        Assert.Equal(BitFeatures.StructuralNames, f.Names);
        Assert.False(f.HasGradients);
        Assert.Equal(0.5f, Row(f, 0, 17, 3)["relative_magnitude"]); // −0.75 against conv.weight's largest, 1.5
        Assert.Equal(1f, Row(f, 0, 3, 3)["relative_magnitude"]);
        Assert.Equal(0.5f, Row(f, 1, 1, 3)["relative_magnitude"]); // −0.25 against 0.5
    }

    [Fact]
    public void Gradient_features_are_the_mean_gradient_and_its_product_with_delta()
    {
        var g = Enumerable.Range(0, 24).Select(i => 0.1f * i).ToArray();
        var (f, _) = Build(NumberFormat.Fp32, [g, null, new float[24]]);
        Assert.Equal(N, f.Names);
        var low = Row(f, 0, 17, 22); // δ = 0.25 (see above), gradient 1.7
        Assert.Equal((1.7f, (float)(1.7f * 0.25)), (low["gradient"], low["sensitivity"]));
        var inf = Row(f, 0, 4, 30); // +Inf after the flip: the first-order estimate is unbounded
        Assert.Equal((0.4f, float.MaxValue), (inf["gradient"], inf["sensitivity"]));
        var bias = Row(f, 1, 1, 31); // a site without gradients
        Assert.Equal((-1f, -1f), (bias["gradient"], bias["sensitivity"]));
        Assert.Equal(0f, Row(f, 2, 13, 0)["sensitivity"]);
        Assert.Throws<ArgumentException>(() => Build(NumberFormat.Fp32, [g]));
    }

    [Fact]
    public void Weight_gradients_are_the_mean_margin_gradient_magnitudes()
    {
        // y = W x (W: 2 × 2, transB): the margin z[top] − z[other] has ∂/∂W[top, j] = x_j and ∂/∂W[other, j] = −x_j,
        // so each weight's mean |∂L/∂w| over the images is the mean |x_j|, whichever class wins.
        var model = new Model
        {
            Opsets = new() { [""] = 13 },
            Inputs = [new ValueInfo("x", DataType.Float, [-1, 2])],
            Outputs = [new ValueInfo("y", DataType.Float, [-1, 2])],
            Initializers = new() { ["w"] = Tensor.FromFloats([1, 0, 0, 1], 2, 2) },
            Nodes = [new Node { Name = "fc", OpType = "Gemm", Inputs = ["x", "w"], Outputs = ["y"], Attributes = new Attributes(new() { ["transB"] = 1L }, "fc") }],
        };
        FaultSite[] sites = [new(FaultTarget.Weight, "w", "fc", "Gemm", [2, 2], 32)];
        var space = new FaultSpace(sites);
        var images = Tensor.FromFloats([2, -1, -3, 0.5f, 1, 4, 9, 9], 4, 2);
        var g = Assert.Single(WeightGradients.Measure(model, new StoredWeights(model, sites, NumberFormat.Fp32), space, images, 3));
        Assert.NotNull(g);
        float x0 = (2 + 3 + 1) / 3f, x1 = (1 + 0.5f + 4) / 3f; // the fourth image is past the count
        Assert.Equal([x0, x1, x0, x1], g!.Select(v => MathF.Round(v, 5)), new FloatTolerance(1e-5f));
        Assert.Equal([1f, 0, 0, 1], model.Initializers["w"].Floats.ToArray()); // the model itself is not touched
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }

    [Fact]
    public void Flips_to_inf_and_nan_are_flagged_and_clamped()
    {
        var (f, _) = Build(NumberFormat.Fp32);
        var inf = Row(f, 0, 4, 30);  // 1.0 = 0x3F800000 → 0x7F800000 = +Inf
        var nan = Row(f, 0, 3, 30);  // 1.5 = 0x3FC00000 → 0x7FC00000 = NaN
        Assert.Equal((1f, float.MaxValue, float.MaxValue), (inf["nonfinite"], inf["delta"], inf["abs_delta"]));
        Assert.Equal((2f, float.MaxValue), (nan["nonfinite"], nan["delta"]));
        Assert.Equal((0f, 0f), (inf["exponent"], nan["sign"]));
    }

    [Fact]
    public void Biases_and_gemm_weights_have_their_own_layouts()
    {
        var (f, _) = Build(NumberFormat.Fp32);
        var bias = Row(f, 1, 1, 31); // −0.25: the bias takes its node's fans
        Assert.Equal((1f, 1f, 1f, -1f, -1f, 12f, 8f), (bias["sign"], bias["layer"], bias["out_channel"], bias["in_channel"], bias["kernel_position"], bias["fan_in"], bias["fan_out"]));
        Assert.Equal((-2f, 0.5f), (bias["exponent"], bias["delta"])); // the sign flip: −0.25 → 0.25
        var fc = Row(f, 2, 13, 0); // (4, 6): row 2, column 1; 13/64 = 0x3E500000, lowest bit 0 → +2^-26
        Assert.Equal((2f, 1f, -1f, 6f, 4f), (fc["out_channel"], fc["in_channel"], fc["kernel_position"], fc["fan_in"], fc["fan_out"]));
        Assert.Equal((float)Math.Pow(2, -26), fc["delta"]);
    }

    [Fact]
    public void Fixed_point_deltas_are_those_of_the_stored_integer()
    {
        var (f, space) = Build(NumberFormat.Parse("fxp8.6"));
        Assert.Equal((24 + 2 + 24) * 8L, space.Size);
        var sign = Row(f, 1, 0, 7); // 0.5 = 32/64 = 0b0010_0000; bit 7 set: −96/64 = −1.5
        Assert.Equal((0f, 0f, -2f, 0f), (sign["sign"], sign["bit_value"], sign["delta"], sign["nonfinite"]));
        var five = Row(f, 1, 0, 5);
        Assert.Equal((1f, -0.5f, -1f), (five["bit_value"], five["delta"], five["exponent"]));
        var bias = Row(f, 1, 1, 0); // −0.25 = −16/64 = 0b1111_0000: bit 0 set gives −15/64
        Assert.Equal((1f, 1f / 64), (bias["sign"], bias["delta"]));
    }

    [Fact]
    public void Training_rows_are_the_weight_flips_labelled_by_their_drop()
    {
        var (f, space) = Build(NumberFormat.Fp32);
        // 10 images, 8 correct: a fault with 6 faulty-correct images drops 20 pp, one with 8 drops 0.
        FaultRecord Flip(long i, string tensor, long e, int bit, int faultyCorrect, string target = "weight", string model = "flip") =>
            new(i, target, tensor, tensor, e, bit, model, 10, faultyCorrect, 0, 0, []);
        var labels = Enumerable.Range(0, 10).Select(i => i % 5).ToArray();
        var top1 = labels.Select((l, i) => i < 8 ? l : (l + 1) % 5).ToArray();
        var campaign = new CampaignData(5, labels, top1,
        [
            Flip(0, "conv.weight", 17, 30, 6), Flip(1, "conv.bias", 1, 31, 8), Flip(2, "fc.weight", 13, 0, 7),
            Flip(3, "conv.weight", 17, 30, 6, model: "stuck1"), Flip(4, "relu_out", 0, 30, 0, target: "act"), Flip(5, "other.weight", 0, 1, 8),
        ]);
        var data = CriticalityData.FromCampaign(campaign, f);
        Assert.Equal((3, 3), (data.Rows, data.Skipped));
        Assert.Equal([20.0, 0.0, 10.0], data.Drops.Select(d => Math.Round(d, 9)));
        Assert.Equal([true, false, true], data.Labels(5));
        Assert.Equal([true, false, false], data.Labels(10));
        Assert.Equal(space.IndexOf("fc.weight", 13, 0), data.SpaceIndices[2]);
        Assert.Equal(30f, data.Features[0, 1]);
    }

    [Fact]
    public void Flat_indices_fill_the_same_rows_and_the_whole_space_is_predicted_in_order()
    {
        var (f, space) = Build(NumberFormat.Fp32);
        var a = new float[f.Count];
        var b = new float[f.Count];
        for (long i = 0; i < space.Size; i++)
        {
            var p = space.Locate(i);
            f.Fill(i, a);
            f.Fill(space.Sites.ToList().IndexOf(p.Site), p.Element, p.Bit, b);
            Assert.Equal(b, a);
        }
        // A forest that learnt "bit 30 is critical" from every other element predicts the whole space.
        var rows = Enumerable.Range(0, (int)space.Size).Where(i => i % 64 < 32).Select(i => (long)i).ToArray();
        var values = rows.SelectMany(i => { var r = new float[f.Count]; f.Fill(i, r); return r; }).ToArray();
        var x = new Neutron.Protection.Forest.FeatureMatrix(rows.Length, f.Count, values);
        var y = rows.Select(i => space.Locate(i).Bit == 30).ToArray();
        var model = new Neutron.Protection.Forest.ForestTrainer(new Neutron.Protection.Forest.ForestOptions { Trees = 10, Seed = 1 }).Train(x, y);
        var blocks = CriticalityPredictor.PredictSpace(model, f).ToList();
        Assert.Single(blocks);
        Assert.Equal((0L, (int)space.Size), (blocks[0].Start, blocks[0].Probabilities.Length));
        for (long i = 0; i < space.Size; i++)
        {
            f.Fill(i, a);
            Assert.Equal(model.Probability(a), blocks[0].Probabilities[i]);
        }
        var paper = CriticalityPredictor.PredictSpace(
            new Neutron.Protection.Forest.ForestTrainer(new Neutron.Protection.Forest.ForestOptions { Trees = 10, Seed = 1 }).Train(x.SelectColumns(BitFeatures.PaperColumns), y),
            f, BitFeatures.PaperColumns).Single().Probabilities;
        Assert.All(Enumerable.Range(0, (int)space.Size), i => Assert.Equal(space.Locate(i).Bit == 30, paper[i] > 0.5));
    }

    [Fact]
    public void Cross_validation_uses_fewer_folds_when_critical_bits_are_few()
    {
        var (x, _) = Neutron.Protection.Tests.Forest.ForestTests.Line(60, 0);
        var drops = Enumerable.Range(0, 60).Select(i => i >= 57 ? 3.0 : i >= 55 ? 1.0 : 0.0).ToArray();
        var options = new Neutron.Protection.Forest.ForestOptions { Trees = 5 };
        var three = CriticalityPredictor.Evaluate(x, drops, 2, ForestKind.Balanced, 10, options);
        Assert.Equal((3, 3, 60), (three.Folds, three.Critical, three.Rows));
        Assert.InRange(three.RocAuc, 0.9, 1.0);
        var none = CriticalityPredictor.Evaluate(x, drops, 3, ForestKind.RandomForest, 10, options);
        Assert.Equal((0, 0), (none.Folds, none.Critical));
        Assert.True(double.IsNaN(none.RocAuc));
    }
}
