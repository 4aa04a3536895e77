using Neutron.Faults.Running;
using Xunit;

namespace Neutron.Faults.Tests.Running;

// The box paths' line moves against plain loops, every length from 0 to 70 (each vector width, the overlapping
// tails, and the fallbacks past 32 and 16), at every offset of an 8-float line start.
public class FloatLinesTests
{
    [Fact]
    public unsafe void Copy_and_clear_match_plain_loops()
    {
        var rng = new System.Random(5);
        var source = new float[96];
        for (int i = 0; i < source.Length; i++) source[i] = (float)rng.NextDouble();
        for (int n = 0; n <= 70; n++)
        for (int offset = 0; offset < 8; offset++)
        {
            var copied = new float[96];
            Array.Fill(copied, -1f);
            fixed (float* s = source, d = copied) FloatLines.Copy(s + offset, d + offset, n);
            for (int i = 0; i < copied.Length; i++)
                Assert.Equal(i >= offset && i < offset + n ? source[i] : -1f, copied[i]);

            fixed (float* d = copied) FloatLines.Clear(d + offset, n);
            for (int i = 0; i < copied.Length; i++)
                Assert.Equal(i >= offset && i < offset + n ? 0f : -1f, copied[i]);
        }
    }
}
