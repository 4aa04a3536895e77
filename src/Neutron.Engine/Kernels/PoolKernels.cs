// Pooling over one (H, W) plane. The geometry's KH/KW are the window, strides and pads as in Conv2D.
//   x: (H, W)   y: (oH, oW)
namespace Neutron.Engine.Kernels;

public static class PoolKernels
{
    /// <summary>Max over each window; NaN wins (as in PyTorch). indices, when given, hold flat input positions.</summary>
    public static void MaxPlane(Conv2D g, ReadOnlySpan<float> x, Span<float> y, Span<long> indices, long indexBase)
    {
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            float best = float.NegativeInfinity;
            int bestAt = -1;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    if ((uint)ix >= (uint)g.W) continue;
                    float v = x[iy * g.W + ix];
                    if (v > best || float.IsNaN(v) || bestAt < 0)
                    {
                        best = v;
                        bestAt = iy * g.W + ix;
                        if (float.IsNaN(v)) goto done;
                    }
                }
            }
        done:
            y[oy * g.OutW + ox] = best;
            if (!indices.IsEmpty) indices[oy * g.OutW + ox] = indexBase + bestAt;
        }
    }

    public static void AveragePlane(Conv2D g, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad)
    {
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            float sum = 0f;
            int count = 0, padded = 0;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    bool inside = (uint)iy < (uint)g.H && (uint)ix < (uint)g.W;
                    // count_include_pad counts pad positions, but not those a ceil-mode window hangs past the pads.
                    if (iy < g.H + g.PadBottom && ix < g.W + g.PadRight) padded++;
                    if (!inside) continue;
                    sum += x[iy * g.W + ix];
                    count++;
                }
            }
            y[oy * g.OutW + ox] = sum / (countIncludePad ? padded : Math.Max(count, 1));
        }
    }

    /// <summary>Global average or max of each plane.</summary>
    public static void Global(bool max, ReadOnlySpan<float> x, Span<float> y, int planes, int size)
    {
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * size, size);
            if (max)
            {
                float best = float.NegativeInfinity;
                foreach (float v in plane)
                {
                    if (float.IsNaN(v)) { best = v; break; }
                    if (v > best) best = v;
                }
                y[p] = best;
            }
            else
            {
                float sum = 0f;
                foreach (float v in plane) sum += v;
                y[p] = sum / size;
            }
        }
    }
}
