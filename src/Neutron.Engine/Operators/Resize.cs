// Resize (opset 10, 11, 13) and its predecessor Upsample (opset 7–9): nearest, (n-)linear and cubic interpolation over
// any axes, coordinate modes half_pixel, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn and
// tf_crop_and_resize. Scales or sizes must be known at load, as they decide the output shape.
//   x: (d0..dn-1)   y: (floor(d_i · scale_i)) or sizes
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Resize : Operator
{
    private readonly string mode, coordinates, nearest;
    private readonly float extrapolation, cubicA;
    private readonly bool excludeOutside;
    private float[] scales = [];
    private float[] roi = [];
    private bool fromSizes;

    public Resize(Node node, long opset) : base(node, opset)
    {
        var a = node.Attributes;
        mode = a.String("mode", "nearest");
        if (mode == "bilinear") mode = "linear"; // Upsample opset 7's name for it
        if (mode is not ("nearest" or "linear" or "cubic"))
            throw Error($"mode '{mode}' is not one of nearest, linear, cubic", ModelErrorCode.InvalidAttribute);
        cubicA = a.Float("cubic_coeff_a", -0.75f);
        excludeOutside = a.Int("exclude_outside", 0) != 0;
        // Opset 10 Resize and Upsample behave as asymmetric coordinates with floor rounding for nearest.
        bool legacy = node.OpType == "Upsample" || opset < 11;
        coordinates = legacy ? "asymmetric" : a.String("coordinate_transformation_mode", "half_pixel");
        nearest = legacy ? "floor" : a.String("nearest_mode", "round_prefer_floor");
        extrapolation = a.Float("extrapolation_value", 0f);
        if (coordinates is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
            throw Error($"coordinate_transformation_mode '{coordinates}' is not supported", ModelErrorCode.UnsupportedOperator);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        int rank = x.Shape.Length;
        Tensor? scaleTensor = null, sizeTensor = null;
        roi = [];
        if (Node.OpType == "Upsample" && Opset < 9)
            scaleTensor = Tensor.FromFloats(Node.Attributes.Floats("scales") ?? throw Error("attribute scales is required", ModelErrorCode.InvalidAttribute), rank);
        else if (Node.OpType == "Upsample" || Opset < 11)
            scaleTensor = ConstantInput(inputs, 1, "scales");
        else
        {
            if (inputs.Length > 1 && inputs[1] is { } r && ShapeUtil.Size(r.Shape) > 0) roi = ConstantInput(inputs, 1, "roi").Floats.ToArray();
            if (inputs.Length > 2 && inputs[2] is { } s && ShapeUtil.Size(s.Shape) > 0) scaleTensor = ConstantInput(inputs, 2, "scales");
            if (inputs.Length > 3 && inputs[3] is { } z && ShapeUtil.Size(z.Shape) > 0) sizeTensor = ConstantInput(inputs, 3, "sizes");
        }
        var shape = new int[rank];
        fromSizes = sizeTensor is not null;
        if (sizeTensor is not null)
        {
            if (scaleTensor is not null) throw Error("give scales or sizes, not both", ModelErrorCode.InvalidAttribute);
            var sizes = sizeTensor.ToLongArray();
            if (sizes.Length != rank) throw Error($"sizes has {sizes.Length} values for rank {rank}");
            scales = new float[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = (int)sizes[d];
                scales[d] = x.Shape[d] == 0 ? 1f : (float)sizes[d] / x.Shape[d];
            }
        }
        else
        {
            scales = scaleTensor?.Floats.ToArray() ?? throw Error("neither scales nor sizes is given", ModelErrorCode.MissingValue);
            if (scales.Length != rank || scales.Any(s => !(s > 0))) throw Error($"scales [{string.Join(",", scales)}] must hold {rank} positive values");
            for (int d = 0; d < rank; d++) shape[d] = (int)Math.Floor(x.Shape[d] * (double)scales[d]);
        }
        if (coordinates == "tf_crop_and_resize" && roi.Length != 2 * rank) throw Error($"tf_crop_and_resize needs roi with {2 * rank} values, got {roi.Length}");
        return [new TensorType(x.Type, shape)];
    }

    /// <summary>Position in the input of output coordinate o along one axis.</summary>
    private double Source(int d, int o, int inSize, int outSize)
    {
        double scale = scales[d];
        // The spec's length_resized is in·scale before flooring when scales are given (align_corners shows it).
        double resized = fromSizes ? outSize : inSize * scale;
        return coordinates switch
        {
            "half_pixel" => (o + 0.5) / scale - 0.5,
            "pytorch_half_pixel" => resized > 1 ? (o + 0.5) / scale - 0.5 : 0,
            "align_corners" => resized == 1 ? 0 : o * (inSize - 1) / (resized - 1),
            "tf_half_pixel_for_nn" => (o + 0.5) / scale,
            "tf_crop_and_resize" => resized > 1
                ? roi[d] * (inSize - 1) + o * (roi[d + scales.Length] - roi[d]) * (inSize - 1) / (resized - 1)
                : 0.5 * (roi[d] + roi[d + scales.Length]) * (inSize - 1),
            _ => o / scale,
        };
    }

    private int Nearest(double x, int inSize)
    {
        double r = nearest switch
        {
            "round_prefer_ceil" => Math.Floor(x + 0.5),
            "floor" => Math.Floor(x),
            "ceil" => Math.Ceiling(x),
            // round_prefer_floor: halves go down.
            _ => x == Math.Floor(x) + 0.5 ? Math.Floor(x) : Math.Round(x),
        };
        return (int)Math.Clamp(r, 0, inSize - 1);
    }

    /// <summary>The input positions source coordinate s reads along one axis, and their weights.</summary>
    private void Taps(double s, int inSize, Span<int> at, Span<double> weight)
    {
        switch (mode)
        {
            case "nearest":
                at[0] = Nearest(s, inSize);
                weight[0] = 1;
                return;
            case "linear":
                {
                    s = Math.Clamp(s, 0, inSize - 1);
                    int i0 = (int)Math.Floor(s);
                    at[0] = i0;
                    at[1] = Math.Min(i0 + 1, inSize - 1);
                    weight[1] = s - i0;
                    weight[0] = 1 - weight[1];
                    return;
                }
        }
        // Cubic convolution (Keys) with coefficient A over the four neighbours; outside taps repeat the edge, or
        // with exclude_outside get weight 0 and the rest are renormalised.
        int floor = (int)Math.Floor(s);
        double f = s - floor, total = 0;
        for (int k = 0; k < 4; k++)
        {
            int position = floor - 1 + k;
            double t = Math.Abs(f - (k - 1));
            double w = t <= 1 ? ((cubicA + 2) * t - (cubicA + 3)) * t * t + 1
                : t < 2 ? ((cubicA * t - 5 * cubicA) * t + 8 * cubicA) * t - 4 * cubicA : 0;
            if (excludeOutside && (position < 0 || position >= inSize)) w = 0;
            at[k] = Math.Clamp(position, 0, inSize - 1);
            weight[k] = w;
            total += w;
        }
        if (excludeOutside && total != 0) for (int k = 0; k < 4; k++) weight[k] /= total;
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        int rank = x.Rank;
        // With sizes the scales follow the shapes of this plan (Infer may have seen another batch size last).
        if (fromSizes) for (int d = 0; d < rank; d++) scales[d] = x.Shape[d] == 0 ? 1f : (float)y.Shape[d] / x.Shape[d];
        var inStrides = ShapeUtil.Strides(x.Shape);
        // Per axis and output coordinate: the input positions (taps) it reads and their weights.
        int taps = mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
        var at = new int[rank][];
        var weight = new double[rank][];
        var outside = new bool[rank][];
        for (int d = 0; d < rank; d++)
        {
            int n = y.Shape[d], inSize = x.Shape[d];
            at[d] = new int[n * taps];
            weight[d] = new double[n * taps];
            outside[d] = new bool[n];
            for (int o = 0; o < n; o++)
            {
                double s = Source(d, o, inSize, n);
                outside[d][o] = coordinates == "tf_crop_and_resize" && (s < 0 || s > inSize - 1);
                Taps(s, inSize, at[d].AsSpan(o * taps, taps), weight[d].AsSpan(o * taps, taps));
            }
        }
        var xs = x.Floats;
        var ys = y.Floats;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int combinations = (int)Math.Pow(taps, rank);
        for (int i = 0; i < ys.Length; i++)
        {
            bool isOutside = false;
            for (int d = 0; d < rank; d++) isOutside |= outside[d][index[d]];
            double value = 0;
            if (isOutside) value = extrapolation;
            else
            {
                for (int combination = 0; combination < combinations; combination++)
                {
                    double w = 1;
                    int offset = 0;
                    for (int d = 0, rest = combination; d < rank && w != 0; d++, rest /= taps)
                    {
                        int k = index[d] * taps + rest % taps;
                        w *= weight[d][k];
                        offset += at[d][k] * inStrides[d];
                    }
                    if (w != 0) value += w * xs[offset];
                }
            }
            ys[i] = y.Type.RoundFloat((float)value);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < y.Shape[d]) break;
                index[d] = 0;
            }
        }
    }
}
