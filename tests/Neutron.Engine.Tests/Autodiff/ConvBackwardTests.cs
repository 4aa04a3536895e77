// The fast conv backward (im2col + Gemm32) against its scalar twin, over groups, strides, pads and dilations.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Autodiff;

public class ConvBackwardTests
{
    [Theory]
    [InlineData(1, 1, 1, 1, 0, 0)]
    [InlineData(2, 2, 1, 1, 1, 2)]
    [InlineData(4, 1, 2, 2, 2, 1)]
    public void Image_matches_reference(int group, int stride, int dilation, int kernel, int padTop, int padLeft)
    {
        var rng = new Random(3);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        int c = 4, h = 9, w = 8, m = 8;
        int oh = (h + 2 * padTop - ((kernel - 1) * dilation + 1)) / stride + 1;
        int ow = (w + 2 * padLeft - ((kernel - 1) * dilation + 1)) / stride + 1;
        var g = new Conv2D(1, c, h, w, m, kernel, kernel, group, stride, stride, dilation, dilation, padTop, padLeft, oh, ow);
        var x = R(c * h * w);
        var wt = R(m * c / group * kernel * kernel);
        var dy = R(m * oh * ow);
        float[] dx1 = new float[x.Length], dw1 = new float[wt.Length], db1 = new float[m];
        float[] dx2 = new float[x.Length], dw2 = new float[wt.Length], db2 = new float[m];
        ConvBackward.Image(g, x, wt, dy, dx1, dw1, db1, new float[g.PatchSize * g.OutSpatial]);
        ConvBackward.Reference(g, x, wt, dy, dx2, dw2, db2);
        for (int i = 0; i < dx1.Length; i++) Assert.Equal(dx2[i], dx1[i], 4);
        for (int i = 0; i < dw1.Length; i++) Assert.Equal(dw2[i], dw1[i], 4);
        for (int i = 0; i < db1.Length; i++) Assert.Equal(db2[i], db1[i], 4);
    }
}
