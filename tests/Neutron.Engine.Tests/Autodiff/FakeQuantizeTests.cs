// FakeQuantize: forward applies the codec, backward passes the gradient straight through inside the range only.
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Tests.Autodiff;

public class FakeQuantizeTests
{
    [Fact]
    public void Straight_through_inside_the_range()
    {
        var x = new Var([0.26f, -0.74f, 3f, -5f], [4], true);
        var tape = new Tape();
        var y = tape.FakeQuantize(x, v => { for (int i = 0; i < v.Length; i++) v[i] = Math.Clamp(MathF.Round(v[i] * 2) / 2, -2f, 1.5f); }, -2f, 1.5f);
        Assert.Equal([0.5f, -0.5f, 1.5f, -2f], y.Data);
        tape.Backward(tape.Sum(tape.Mul(y, new Var([1f, 2f, 3f, 4f], [4]))));
        Assert.Equal([1f, 2f, 0f, 0f], x.Grad!);
    }
}
