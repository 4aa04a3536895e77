// Gradients of a 2-D convolution for one image: dX, dW and dB from dY, the twin of ConvKernels' forward.
//   x, dX: (C, H, W)   w, dW: (M, C/group, kH, kW)   dY: (M, oH, oW)   dB: (M)   col: (C/group·kH·kW, oH·oW)
// Image lowers to im2col + Gemm32 (fast once Gemm32 is); Reference is the direct loop nest (the oracle).
// Both add into dX/dW/dB (gradients accumulate); an empty span skips that gradient.
namespace Neutron.Engine.Kernels;

public static class ConvBackward
{
    public static void Image(Conv2D g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dw, Span<float> db, Span<float> col)
    {
        int patch = g.PatchSize, os = g.OutSpatial, mpg = g.MPerGroup;
        if (!db.IsEmpty)
            for (int m = 0; m < g.M; m++)
            {
                float s = 0f;
                foreach (float v in dy.Slice(m * os, os)) s += v;
                db[m] += s;
            }
        for (int gi = 0; gi < g.Group; gi++)
        {
            var dyG = dy.Slice(gi * mpg * os, mpg * os);
            if (!dw.IsEmpty)
            {
                ConvKernels.Im2Col(g, gi, x, col);
                // dW_g (mpg × patch) += dY_g (mpg × os) · colᵀ
                Gemm32.Multiply(false, true, mpg, patch, os, 1f, dyG, col, 1f, dw.Slice(gi * mpg * patch, mpg * patch));
            }
            if (!dx.IsEmpty)
            {
                // dcol (patch × os) = W_gᵀ · dY_g, then scattered back onto the image.
                Gemm32.Multiply(true, false, patch, os, mpg, 1f, w.Slice(gi * mpg * patch, mpg * patch), dyG, 0f, col);
                Col2ImAdd(g, gi, col, dx);
            }
        }
    }

    /// <summary>The adjoint of ConvKernels.Im2Col: adds each column entry back onto the input position it was read from.</summary>
    public static void Col2ImAdd(Conv2D g, int gi, ReadOnlySpan<float> col, Span<float> dx)
    {
        int cpg = g.CPerGroup, os = g.OutSpatial;
        for (int ci = 0; ci < cpg; ci++)
        {
            var plane = dx.Slice((gi * cpg + ci) * g.H * g.W, g.H * g.W);
            for (int ky = 0; ky < g.KH; ky++)
            for (int kx = 0; kx < g.KW; kx++)
            {
                var row = col.Slice(((ci * g.KH + ky) * g.KW + kx) * os, os);
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                    if ((uint)iy >= (uint)g.H) continue;
                    var src = row.Slice(oy * g.OutW, g.OutW);
                    var dst = plane.Slice(iy * g.W, g.W);
                    int ix0 = kx * g.DilationW - g.PadLeft;
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        int ix = ox * g.StrideW + ix0;
                        if ((uint)ix < (uint)g.W) dst[ix] += src[ox];
                    }
                }
            }
        }
    }

    /// <summary>The scalar twin: the derivative of ConvKernels.Reference's sum, term by term.</summary>
    public static void Reference(Conv2D g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dw, Span<float> db)
    {
        int cpg = g.CPerGroup, mpg = g.MPerGroup;
        for (int m = 0; m < g.M; m++)
        {
            int gi = m / mpg;
            for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                float d = dy[(m * g.OutH + oy) * g.OutW + ox];
                if (!db.IsEmpty) db[m] += d;
                for (int ci = 0; ci < cpg; ci++)
                {
                    int c = gi * cpg + ci;
                    for (int ky = 0; ky < g.KH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if ((uint)iy >= (uint)g.H) continue;
                        for (int kx = 0; kx < g.KW; kx++)
                        {
                            int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if ((uint)ix >= (uint)g.W) continue;
                            int wi = ((m * cpg + ci) * g.KH + ky) * g.KW + kx, xi = (c * g.H + iy) * g.W + ix;
                            if (!dw.IsEmpty) dw[wi] += d * x[xi];
                            if (!dx.IsEmpty) dx[xi] += d * w[wi];
                        }
                    }
                }
            }
        }
    }
}
