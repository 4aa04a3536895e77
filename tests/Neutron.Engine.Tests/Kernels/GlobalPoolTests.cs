// GlobalAveragePool's eight interleaved scalar chains against the scalar loop they must reproduce bit for bit (each
// plane summed in order from zero, then divided by its size), over plane counts that leave a scalar remainder and
// sizes from 1 to 56×56, with ±Inf, NaN and -0 in the data; and the channels-last kernel against them.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class GlobalPoolTests
{
    [Theory]
    [InlineData(8, 1)]
    [InlineData(13, 9)]
    [InlineData(27, 36)]
    [InlineData(40, 144)]
    [InlineData(17, 400)]
    [InlineData(40, 2304)]
    [InlineData(19, 3136)]
    public void Eight_interleaved_chains_give_the_scalar_loop_bits(int planes, int size)
    {
        var rng = new Random(planes + size);
        var x = Gemm32Tests.Random(rng, planes * size);
        x[0] = float.PositiveInfinity;
        x[size + 1 < x.Length ? size + 1 : 0] = float.NaN;
        x[^1] = -0f;
        var expected = new float[planes];
        for (int p = 0; p < planes; p++)
        {
            float sum = 0f;
            for (int i = 0; i < size; i++) sum += x[p * size + i];
            expected[p] = sum / size;
        }
        var actual = new float[planes];
        Array.Fill(actual, 12345f);
        int done = PoolKernels.GlobalAverageChains(x, actual, 0, planes, size);
        Assert.Equal(planes / 8 * 8, done);
        for (int p = done; p < planes; p++) actual[p] = expected[p];
        var whole = new float[planes];
        PoolKernels.Global(false, x, whole, planes, size); // the operator's kernel, remainder included
        for (int p = 0; p < planes; p++)
        {
            string what = $"{planes} planes of {size}: y[{p}] = {actual[p]}, scalar {expected[p]}";
            if (float.IsNaN(expected[p])) Assert.True(float.IsNaN(actual[p]) && float.IsNaN(whole[p]), what);
            else
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[p]) == BitConverter.SingleToInt32Bits(actual[p]), what);
                Assert.True(BitConverter.SingleToInt32Bits(expected[p]) == BitConverter.SingleToInt32Bits(whole[p]), what);
            }
        }
    }

    // The channels-last kernel (an optimised session's squeeze-and-excitation): the planes as the channels of one
    // image, sixteen, eight and single channels; the scalar loop's bits, NaN where it gives NaN.
    [Theory]
    [InlineData(8, 1)]
    [InlineData(13, 9)]
    [InlineData(27, 36)]
    [InlineData(40, 144)]
    [InlineData(19, 3136)]
    public void Channels_last_sums_give_the_scalar_loop_bits(int planes, int size)
    {
        var rng = new Random(planes * size);
        var x = Gemm32Tests.Random(rng, planes * size);
        x[0] = float.PositiveInfinity;
        x[size + 1 < x.Length ? size + 1 : 0] = float.NaN;
        x[^1] = -0f;
        var expected = new float[planes];
        PoolKernels.Global(false, x, expected, planes, size);
        var actual = new float[planes];
        Array.Fill(actual, 12345f);
        PoolKernels.GlobalAverageChannelsLast(ConvDirectTests.Relayout(x, 1, planes, size, true), actual, planes, size);
        for (int p = 0; p < planes; p++)
        {
            string what = $"{planes} planes of {size}: y[{p}] = {actual[p]}, planar {expected[p]}";
            if (float.IsNaN(expected[p])) Assert.True(float.IsNaN(actual[p]), what);
            else Assert.True(BitConverter.SingleToInt32Bits(expected[p]) == BitConverter.SingleToInt32Bits(actual[p]), what);
        }
    }
}
