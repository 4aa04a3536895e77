// ConvTranspose for 1-D and 2-D inputs (1-D runs with height 1): groups, strides, dilations, pads, output_padding,
// output_shape and auto_pad. The plain scatter loop below is the reference; no fast variant yet.
//   x: (N, C, H, W)   w: (C, M/group, kH, kW)   b: (M)   y: (N, M, oH, oW)
//   o = stride·(i − 1) + output_padding + (k − 1)·dilation + 1 − pad_begin − pad_end
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class ConvTranspose : Operator
{
    private readonly int group;

    public ConvTranspose(Node node, long opset) : base(node, opset) => group = checked((int)node.Attributes.Int("group", 1));

    private sealed record Geometry(int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] Output);

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        var w = Required(inputs, 1);
        RequireFloat(x, "X");
        if (x.Shape.Length is not (3 or 4))
            throw Error($"only 1-D and 2-D transposed convolutions are supported; X is {ShapeUtil.Format(x.Shape)}", ModelErrorCode.UnsupportedOperator);
        if (w.Shape.Length != x.Shape.Length || w.Shape[0] != x.Shape[1] || group < 1 || x.Shape[1] % group != 0)
            throw Error($"W {ShapeUtil.Format(w.Shape)} must be (C, M/group, k...) for X {ShapeUtil.Format(x.Shape)} and group {group}");
        int m = w.Shape[1] * group;
        if (inputs.Length > 2 && inputs[2] is { } b && (b.Shape.Length != 1 || b.Shape[0] != m))
            throw Error($"B {ShapeUtil.Format(b.Shape)} must be [{m}]");
        var g = Resolve(x.Shape, w.Shape);
        return [new TensorType(x.Type, [x.Shape[0], m, .. g.Output])];
    }

    private Geometry Resolve(int[] xShape, int[] wShape)
    {
        var a = Node.Attributes;
        int rank = xShape.Length - 2;
        int[] Ints(string name, int fill, int count)
        {
            var v = a.Ints(name);
            if (v is null) return Enumerable.Repeat(fill, count).ToArray();
            if (v.Length != count) throw Error($"attribute {name} has {v.Length} values, expected {count}", ModelErrorCode.InvalidAttribute);
            return v.Select(e => checked((int)e)).ToArray();
        }
        var kernel = wShape[2..];
        var kernelAttr = a.Ints("kernel_shape");
        if (kernelAttr is not null && !kernelAttr.Select(k => (int)k).SequenceEqual(kernel))
            throw Error($"kernel_shape [{string.Join(",", kernelAttr)}] disagrees with W {ShapeUtil.Format(wShape)}");
        var strides = Ints("strides", 1, rank);
        var dilations = Ints("dilations", 1, rank);
        var pads = Ints("pads", 0, 2 * rank);
        var outputPadding = Ints("output_padding", 0, rank);
        var outputShape = a.Ints("output_shape");
        if (outputShape is not null && outputShape.Length == rank + 2) outputShape = outputShape[2..];
        if (outputShape is not null && outputShape.Length != rank) throw Error($"output_shape has {outputShape.Length} values for {rank} spatial dimensions", ModelErrorCode.InvalidAttribute);
        string autoPad = a.String("auto_pad", "NOTSET");
        var begin = new int[rank];
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int input = xShape[d + 2];
            int full = strides[d] * (input - 1) + outputPadding[d] + (kernel[d] - 1) * dilations[d] + 1;
            if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[d] = outputShape is not null ? (int)outputShape[d] : input * strides[d];
                int total = Math.Max(full - output[d], 0);
                begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            }
            else
            {
                begin[d] = autoPad == "VALID" ? 0 : pads[d];
                output[d] = autoPad == "VALID" ? full : full - pads[d] - pads[d + rank];
            }
            if (output[d] < 1) throw Error($"output size {output[d]} along axis {d + 2} is not positive");
        }
        return new Geometry(kernel, strides, dilations, begin, output);
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Length > 2 ? inputs[2] : null;
        var y = outputs[0];
        var g = Resolve(x.Shape, w.Shape);
        bool oneD = x.Rank == 3;
        int n = x.Shape[0], c = x.Shape[1], h = oneD ? 1 : x.Shape[2], wd = x.Shape[^1];
        int kh = oneD ? 1 : g.Kernel[0], kw = g.Kernel[^1];
        int sh = oneD ? 1 : g.Strides[0], sw = g.Strides[^1];
        int dh = oneD ? 1 : g.Dilations[0], dw = g.Dilations[^1];
        int ph = oneD ? 0 : g.PadBegin[0], pw = g.PadBegin[^1];
        int oh = oneD ? 1 : g.Output[0], ow = g.Output[^1];
        int mpg = w.Shape[1], cpg = c / group, m = mpg * group;
        var xs = x.Floats;
        var ws = w.Floats;
        var ys = y.Floats;
        for (int img = 0; img < n; img++)
        for (int oc = 0; oc < m; oc++)
            ys.Slice((img * m + oc) * oh * ow, oh * ow).Fill(b is null ? 0f : b.Floats[oc]);
        for (int img = 0; img < n; img++)
        for (int ci = 0; ci < c; ci++)
        {
            int gi = ci / cpg;
            for (int iy = 0; iy < h; iy++)
            for (int ix = 0; ix < wd; ix++)
            {
                float v = xs[((img * c + ci) * h + iy) * wd + ix];
                for (int mi = 0; mi < mpg; mi++)
                {
                    int oc = gi * mpg + mi;
                    int yBase = (img * m + oc) * oh * ow, wBase = (ci * mpg + mi) * kh * kw;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int oy = iy * sh - ph + ky * dh;
                        if ((uint)oy >= (uint)oh) continue;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int ox = ix * sw - pw + kx * dw;
                            if ((uint)ox >= (uint)ow) continue;
                            ys[yBase + oy * ow + ox] += v * ws[wBase + ky * kw + kx];
                        }
                    }
                }
            }
        }
    }
}
