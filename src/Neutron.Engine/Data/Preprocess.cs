// Turns raw pixels into what a classifier was trained on: scale bytes to [0, 1], normalise per channel
// ((x - mean[c]) / std[c], torchvision's Normalize), and move NHWC to NCHW. Arithmetic is float32 in the same
// order as torchvision (x / 255, then subtract, then divide) so results match PyTorch-made references bit for bit.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public static class Preprocess
{
    /// <summary>Bytes to float32 in [0, 1] (x / 255).</summary>
    public static Tensor ScaleBytes(ReadOnlySpan<byte> pixels, int[] shape)
    {
        var tensor = Tensor.Zeros(DataType.Float, shape);
        var f = tensor.Floats;
        if (pixels.Length != f.Length) throw new ArgumentException($"{pixels.Length} pixels for shape {ShapeUtil.Format(shape)}");
        for (int i = 0; i < f.Length; i++) f[i] = pixels[i] / 255f;
        return tensor;
    }

    /// <summary>In place, per channel of an NCHW tensor: x = (x - mean[c]) / std[c]; one value applies to all channels.</summary>
    public static void Normalize(Tensor nchw, float[] mean, float[] std)
    {
        if (nchw.Rank != 4) throw new ArgumentException($"expected an NCHW tensor, got {nchw}");
        int n = nchw.Shape[0], c = nchw.Shape[1], plane = nchw.Shape[2] * nchw.Shape[3];
        foreach (var (what, values) in new[] { ("mean", mean), ("std", std) })
            if (values.Length != 1 && values.Length != c)
                throw new ArgumentException($"{what} has {values.Length} values, the images have {c} channels (give 1 or {c})");
        foreach (float s in std)
            if (!(s > 0)) throw new ArgumentException($"std {s} must be positive");
        var x = nchw.Floats;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                float m = mean[mean.Length == 1 ? 0 : ch], s = std[std.Length == 1 ? 0 : ch];
                var p = x.Slice((i * c + ch) * plane, plane);
                for (int k = 0; k < p.Length; k++) p[k] = (p[k] - m) / s;
            }
    }

    /// <summary>(N, H, W, C) to (N, C, H, W), as a new tensor.</summary>
    public static Tensor NhwcToNchw(Tensor nhwc)
    {
        if (nhwc.Rank != 4) throw new ArgumentException($"expected an NHWC tensor, got {nhwc}");
        int n = nhwc.Shape[0], h = nhwc.Shape[1], w = nhwc.Shape[2], c = nhwc.Shape[3];
        var result = Tensor.Zeros(nhwc.Type, n, c, h, w);
        var src = nhwc.Floats;
        var dst = result.Floats;
        for (int i = 0; i < n; i++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++)
                        dst[((i * c + ch) * h + y) * w + x] = src[((i * h + y) * w + x) * c + ch];
        return result;
    }
}
