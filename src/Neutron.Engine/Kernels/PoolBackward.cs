// Gradients of pooling over one (H, W) plane, the twins of PoolKernels' forwards (same Conv2D geometry).
//   dY: (oH, oW)   dX: (H, W), added into.
// Max routes each output's gradient to the input position the forward chose (its saved index); average spreads
// it evenly over the window with the forward's divisor. These loops are themselves the scalar references.
namespace Neutron.Engine.Kernels;

public static class PoolBackward
{
    public static void MaxPlane(ReadOnlySpan<float> dy, ReadOnlySpan<long> indices, Span<float> dx)
    {
        for (int i = 0; i < dy.Length; i++)
        {
            long at = indices[i];
            if (at >= 0) dx[(int)at] += dy[i];
        }
    }

    public static void AveragePlane(Conv2D g, ReadOnlySpan<float> dy, Span<float> dx, bool countIncludePad)
    {
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            int count = 0, padded = 0;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    if (iy < g.H + g.PadBottom && ix < g.W + g.PadRight) padded++;
                    if ((uint)iy < (uint)g.H && (uint)ix < (uint)g.W) count++;
                }
            }
            float share = dy[oy * g.OutW + ox] / (countIncludePad ? padded : Math.Max(count, 1));
            for (int ky = 0; ky < g.KH; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                if ((uint)iy >= (uint)g.H) continue;
                for (int kx = 0; kx < g.KW; kx++)
                {
                    int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                    if ((uint)ix < (uint)g.W) dx[iy * g.W + ix] += share;
                }
            }
        }
    }
}
