// The counter-based generator: a pure function of its key, and uniform enough for sampling.
using Neutron.Faults.Random;

namespace Neutron.Faults.Tests.Random;

public class CounterRngTests
{
    [Fact]
    public void Draws_depend_only_on_the_key()
    {
        Assert.Equal(CounterRng.Next(7, 123), CounterRng.Next(7, 123));
        Assert.NotEqual(CounterRng.Next(7, 123), CounterRng.Next(7, 124));
        Assert.NotEqual(CounterRng.Next(7, 123), CounterRng.Next(8, 123));
        Assert.NotEqual(CounterRng.Next(7, 123, 0), CounterRng.Next(7, 123, 1));
        // Order of evaluation does not matter: backwards equals forwards.
        var forward = Enumerable.Range(0, 100).Select(i => CounterRng.Next(1, (ulong)i)).ToArray();
        var backward = Enumerable.Range(0, 100).Reverse().Select(i => CounterRng.Next(1, (ulong)i)).Reverse().ToArray();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void Below_is_in_range_and_roughly_uniform()
    {
        const int bins = 10, n = 100_000;
        var counts = new int[bins];
        for (int i = 0; i < n; i++)
        {
            ulong v = CounterRng.Below(99, (ulong)i, 0, bins);
            Assert.True(v < bins);
            counts[v]++;
        }
        // Chi-square with 9 degrees of freedom; 27.88 is the 0.999 quantile.
        double chi = counts.Sum(c => Math.Pow(c - n / (double)bins, 2) / (n / (double)bins));
        Assert.True(chi < 27.88, $"chi² = {chi}");
        double u = CounterRng.Uniform(3, 4);
        Assert.InRange(u, 0, 1);
    }
}
