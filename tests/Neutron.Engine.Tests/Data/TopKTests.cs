// The top-k rule of DESIGN §4: first index on ties, NaN as the maximum.
using Neutron.Engine.Data;

namespace Neutron.Engine.Tests.Data;

public class TopKTests
{
    [Fact]
    public void Ties_go_to_the_first_index_and_nan_is_the_maximum()
    {
        Assert.Equal(1, TopK.ArgMax([0f, 3f, 3f, 1f]));
        Assert.Equal(2, TopK.ArgMax([0f, 3f, float.NaN, float.NaN]));
        Assert.Equal(0, TopK.Rank([0f, 3f, 3f, 1f], 1));
        Assert.Equal(1, TopK.Rank([0f, 3f, 3f, 1f], 2));
        Assert.Equal(3, TopK.Rank([0f, 3f, 3f, 1f], 0));
        Assert.Equal(1, TopK.Rank([float.NaN, 3f, float.PositiveInfinity], 2));
        Assert.Equal(1, TopK.Rank([float.NaN, float.NaN], 1));
        Assert.Equal(0, TopK.Rank([float.NaN, float.NaN], 0));
    }

    [Fact]
    public void Rank_zero_agrees_with_argmax_on_random_rows()
    {
        var random = new Random(7);
        for (int t = 0; t < 500; t++)
        {
            var row = Enumerable.Range(0, 6).Select(_ => random.Next(4) switch { 0 => float.NaN, 1 => 1f, _ => random.Next(3) }).ToArray();
            int arg = TopK.ArgMax(row);
            for (int l = 0; l < row.Length; l++) Assert.Equal(l == arg, TopK.Rank(row, l) == 0);
        }
    }
}
