// Spatial geometry shared by Conv, ConvTranspose and the pooling operators: kernel, strides, dilations and
// pads for N spatial dimensions, with auto_pad (SAME_UPPER, SAME_LOWER, VALID) resolved against input sizes.
using Neutron.Engine.Graph;

namespace Neutron.Engine.Operators;

public sealed class ConvGeometry
{
    public required int[] Kernel { get; init; }
    public required int[] Strides { get; init; }
    public required int[] Dilations { get; init; }
    /// <summary>Begin pads then end pads, ONNX order: [x1_begin, x2_begin, ..., x1_end, x2_end, ...].</summary>
    public required int[] Pads { get; init; }
    public required int[] InputSize { get; init; }
    public required int[] OutputSize { get; init; }
    public int Rank => Kernel.Length;

    public static ConvGeometry Resolve(Attributes attributes, int[] kernel, int[] inputSize, bool ceilMode, Func<string, Exception> error)
    {
        int rank = kernel.Length;
        int[] Ints(string name, int fill)
        {
            var v = attributes.Ints(name);
            if (v is null) return Enumerable.Repeat(fill, name == "pads" ? 2 * rank : rank).ToArray();
            int want = name == "pads" ? 2 * rank : rank;
            if (v.Length != want) throw error($"attribute {name} has {v.Length} values, expected {want}");
            return v.Select(x => checked((int)x)).ToArray();
        }
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var pads = Ints("pads", 0);
        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1) || pads.Any(p => p < 0) || kernel.Any(k => k < 1))
            throw error($"kernel {Fmt(kernel)}, strides {Fmt(strides)}, dilations {Fmt(dilations)} must be ≥ 1 and pads {Fmt(pads)} ≥ 0");
        string autoPad = attributes.String("auto_pad", "NOTSET");
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int effective = (kernel[d] - 1) * dilations[d] + 1;
            switch (autoPad)
            {
                case "SAME_UPPER":
                case "SAME_LOWER":
                    {
                        output[d] = (inputSize[d] + strides[d] - 1) / strides[d];
                        int total = Math.Max(0, (output[d] - 1) * strides[d] + effective - inputSize[d]);
                        int small = total / 2, large = total - small;
                        pads[d] = autoPad == "SAME_UPPER" ? small : large;
                        pads[d + rank] = autoPad == "SAME_UPPER" ? large : small;
                        break;
                    }
                case "VALID":
                    pads[d] = pads[d + rank] = 0;
                    output[d] = (inputSize[d] - effective) / strides[d] + 1;
                    break;
                case "NOTSET":
                    {
                        int span = inputSize[d] + pads[d] + pads[d + rank] - effective;
                        output[d] = ceilMode ? (span + strides[d] - 1) / strides[d] + 1 : span / strides[d] + 1;
                        // A ceil-mode window must start inside the input or the left padding.
                        if (ceilMode && (output[d] - 1) * strides[d] >= inputSize[d] + pads[d]) output[d]--;
                        break;
                    }
                default:
                    throw error($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
            }
            if (output[d] < 1) throw error($"input size {Fmt(inputSize)} is too small for kernel {Fmt(kernel)} with pads {Fmt(pads)}");
        }
        return new ConvGeometry { Kernel = kernel, Strides = strides, Dilations = dilations, Pads = pads, InputSize = inputSize, OutputSize = output };
    }

    private static string Fmt(int[] v) => "[" + string.Join(",", v) + "]";
}
