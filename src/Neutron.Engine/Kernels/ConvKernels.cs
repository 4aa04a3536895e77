// 2-D convolution of one image and one group.
//   x: (C, H, W) of one image   w: (M, C/group, kH, kW)   b: (M) or null   y: (M, oH, oW) of one image
// Reference: the direct seven-loop sum (oracle). Forward: dispatches to the fastest variant.
namespace Neutron.Engine.Kernels;

public static class ConvKernels
{
    public static void Forward(Conv2D g, int group, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
        => Reference(g, group, x, w, b, y);

    public static void Reference(Conv2D g, int group, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int cpg = g.CPerGroup, mpg = g.MPerGroup;
        for (int mi = 0; mi < mpg; mi++)
        {
            int m = group * mpg + mi;
            float bias = b.IsEmpty ? 0f : b[m];
            for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                float sum = 0f;
                for (int ci = 0; ci < cpg; ci++)
                {
                    int c = group * cpg + ci;
                    for (int ky = 0; ky < g.KH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.H) continue;
                        for (int kx = 0; kx < g.KW; kx++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if ((uint)ix >= (uint)g.W) continue;
                            sum += x[(c * g.H + iy) * g.W + ix] * w[((m * cpg + ci) * g.KH + ky) * g.KW + kx];
                        }
                    }
                }
                y[(m * g.OutH + oy) * g.OutW + ox] = sum + bias;
            }
        }
    }
}
