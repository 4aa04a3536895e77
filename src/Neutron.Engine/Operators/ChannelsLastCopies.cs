// Copies of 4-D tensors between NCHW and channels-last (NHWC, kept under the NCHW shape): how an operator that was
// handed a channels-last value runs a case its channels-last kernels do not cover, through its NCHW code.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

internal static class ChannelsLastCopies
{
    /// <summary>A copy of a 4-D tensor NCHW → NHWC (toChannelsLast) or back, under the same shape.</summary>
    public static Tensor Relayout(Tensor t, bool toChannelsLast)
    {
        int n = t.Shape[0], c = t.Shape[1], plane = t.Shape[2] * t.Shape[3];
        var to = Tensor.Zeros(DataType.Float, t.Shape);
        Span<float> src = t.Floats, dst = to.Floats;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < plane; p++)
                {
                    int planar = (i * c + ch) * plane + p, last = (i * plane + p) * c + ch;
                    if (toChannelsLast) dst[last] = src[planar];
                    else dst[planar] = src[last];
                }
        return to;
    }

    /// <summary>Runs an operator's NCHW code on channels-last inputs (those marked) and output: each copied to NCHW,
    /// the result copied back into the channels-last output.</summary>
    public static void RunPlanar(Action<Tensor?[], Tensor[]> run, Tensor?[] inputs, bool[] channelsLast, Tensor output, bool outputChannelsLast)
    {
        var planar = (Tensor?[])inputs.Clone();
        for (int i = 0; i < planar.Length; i++)
            if (channelsLast[i] && planar[i] is { } t) planar[i] = Relayout(t, toChannelsLast: false);
        var result = outputChannelsLast ? Tensor.Zeros(DataType.Float, output.Shape) : output;
        run(planar, [result]);
        if (outputChannelsLast) Relayout(result, toChannelsLast: true).Floats.CopyTo(output.Floats);
    }
}
