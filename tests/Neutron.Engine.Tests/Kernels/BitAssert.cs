// Kernels that promise the same bits as their twin are checked bit for bit: NaN payloads and signed zeros count.
namespace Neutron.Engine.Tests.Kernels;

internal static class BitAssert
{
    /// <summary>Every element of <paramref name="actual"/> has the bits of the same element of <paramref name="expected"/>.</summary>
    public static void Same(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: y[{i}] = {actual[i]} ({BitConverter.SingleToInt32Bits(actual[i]):x8}), expected {expected[i]} ({BitConverter.SingleToInt32Bits(expected[i]):x8})");
    }
}
