// GlobalAveragePool's eight-planes-per-vector path against the scalar loop it must reproduce bit for bit (each
// plane summed in order from zero, then divided by its size), over plane counts that leave a scalar remainder and
// sizes from the smallest it takes (16×16) to 48×48, with ±Inf, NaN and -0 in the data; likewise the eight
// interleaved scalar chains that serve smaller planes.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public class GlobalPoolTests
{
    [Theory]
    [InlineData(8, PoolKernels.LanesFrom)]
    [InlineData(13, 576)]
    [InlineData(17, 400)]
    [InlineData(40, 2304)]
    public void Eight_planes_per_vector_give_the_scalar_loop_bits(int planes, int size)
    {
        Assert.True(KernelSet.IsSupported(KernelVariant.Avx2), "the lane path needs AVX2; every supported machine has it");
        var rng = new Random(planes * size);
        var x = Gemm32Tests.Random(rng, planes * size);
        x[3] = float.PositiveInfinity;
        x[size * 2 + 1] = float.NaN;
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
        int done = PoolKernels.GlobalAverageLanes(x, actual, planes, size);
        Assert.Equal(planes / 8 * 8, done);
        for (int p = done; p < planes; p++) actual[p] = expected[p]; // the operator's scalar loop does the rest
        for (int p = 0; p < planes; p++)
        {
            string what = $"{planes} planes of {size}: y[{p}] = {actual[p]}, scalar {expected[p]}";
            if (float.IsNaN(expected[p])) Assert.True(float.IsNaN(actual[p]), what);
            else Assert.True(BitConverter.SingleToInt32Bits(expected[p]) == BitConverter.SingleToInt32Bits(actual[p]), what);
        }
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(13, 9)]
    [InlineData(27, 36)]
    [InlineData(40, 144)]
    [InlineData(17, 400)]
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
}
