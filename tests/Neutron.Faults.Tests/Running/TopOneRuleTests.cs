// The one top-1 rule (TopK.ArgMax) as PyTorch's CPU argmax: first index on ties, the first NaN wins.
using Neutron.Faults.Running;
using Neutron.Engine.Data;

namespace Neutron.Faults.Tests.Running;

public class TopOneRuleTests
{
    [Theory]
    [InlineData(new float[] { 1, 3, 2 }, 1)]
    [InlineData(new float[] { 3, 3, 2 }, 0)]
    [InlineData(new float[] { 1, 5, 5 }, 1)]
    [InlineData(new float[] { 1, float.NaN, 9, float.NaN }, 1)]
    [InlineData(new float[] { float.NaN, 9 }, 0)]
    [InlineData(new float[] { 1, float.PositiveInfinity, float.NaN }, 2)]
    [InlineData(new float[] { float.NegativeInfinity, float.NegativeInfinity }, 0)]
    public void Argmax(float[] row, int expected) => Assert.Equal(expected, TopK.ArgMax(row));

    [Fact]
    public void Nonfinite()
    {
        Assert.False(TopK.AnyNonFinite([1, 2, -3]));
        Assert.True(TopK.AnyNonFinite([1, float.NaN]));
        Assert.True(TopK.AnyNonFinite([float.NegativeInfinity]));
    }
}
