// Quantization-aware training: every parameter a Conv, Gemm, MatMul or BatchNormalization node reads (the weight
// fault sites of DESIGN §4) goes through fake quantisation in the target format on each forward, with the
// straight-through estimator behind it; Freeze then stores the float shadow weights in the format for export,
// so the exported model holds exactly the values a campaign in that format computes with.
// The tape and its FakeQuantize op live in Neutron.Engine.Autodiff; the formats in ../Formats.
using Neutron.Engine.Autodiff;
using Neutron.Faults.Formats;

namespace Neutron.Faults.Training;

public static class QuantizationAwareTraining
{
    private static readonly string[] QuantizedOps = ["Conv", "Gemm", "MatMul", "BatchNormalization"];

    /// <summary>Makes every forward of net compute with the parameters as stored in format.</summary>
    public static void Attach(ModelTape net, NumberFormat format, bool perChannel = true)
    {
        if (format.IsIdentity)
        {
            net.ParameterTransform = null;
            return;
        }
        var (min, max) = Range(format);
        net.ParameterTransform = (tape, p) =>
        {
            // int8 derives its scale from the current weights each step, as it will at export.
            var encoding = format.ForTensor(p.Data, p.Shape, perChannel);
            return tape.FakeQuantize(p, v => encoding.Quantize(v), min, max);
        };
    }

    /// <summary>
    /// Makes every forward of net compute each node output in the datapath format, as a campaign with that
    /// `--datapath` fake-quantises every activation (straight-through gradient, zero where a fixed-point value
    /// saturated). int8 takes each output's scale from its current values, per tensor, as the campaign calibrates
    /// per tensor on its images. fp32 detaches it.
    /// </summary>
    public static void AttachDatapath(ModelTape net, NumberFormat datapath)
    {
        if (datapath.IsIdentity)
        {
            net.OutputTransform = null;
            return;
        }
        var (min, max) = Range(datapath);
        net.OutputTransform = (tape, _, v) =>
        {
            var encoding = datapath.ForTensor(v.Data, v.Shape, perChannel: false);
            return tape.FakeQuantize(v, values => encoding.Quantize(values), min, max);
        };
    }

    /// <summary>Replaces each quantised parameter by its stored value and detaches the transform.</summary>
    public static void Freeze(ModelTape net, NumberFormat format, bool perChannel = true)
    {
        net.ParameterTransform = null;
        if (format.IsIdentity) return;
        var names = QuantizedParameters(net);
        foreach (var p in net.Parameters)
            if (names.Contains(p.Name))
                format.ForTensor(p.Data, p.Shape, perChannel).Quantize(p.Data);
    }

    /// <summary>Names of the parameters the transform applies to.</summary>
    public static HashSet<string> QuantizedParameters(ModelTape net)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in net.Model.Nodes)
            if (QuantizedOps.Contains(node.OpType))
                foreach (var input in node.Inputs) names.Add(input);
        names.IntersectWith(net.Parameters.Select(p => p.Name));
        return names;
    }

    /// <summary>Where the straight-through gradient stops: outside a fixed-point format's range (saturation).</summary>
    internal static (float Min, float Max) Range(NumberFormat format) => format switch
    {
        FixedPointFormat f => (f.MinValue, f.MaxValue),
        _ => (float.NegativeInfinity, float.PositiveInfinity),
    };
}
