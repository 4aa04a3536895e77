// The golden top-1 margin loss (Tape.TopOneMargin) against finite differences, and the sensitivity measure over it:
// per-image gradient magnitudes, so two images pulling a value in opposite directions do not cancel.
using Neutron.Engine.Autodiff;

namespace Neutron.Engine.Tests.Autodiff;

public class MarginLossTests
{
    [Fact]
    public void Margin_value_and_gradient_match_finite_differences()
    {
        float[] z = [1f, 3f, 2.5f, 0.5f, -1f, 0.2f];
        var logits = new Var((float[])z.Clone(), [2, 3], requiresGrad: true);
        var tape = new Tape();
        var loss = tape.TopOneMargin(logits, [1, 2]);
        // Row 0: 3 − 2.5; row 1 (top-1 class 2 although class 0 is larger): 0.2 − 0.5.
        Assert.Equal(((3 - 2.5) + (0.2 - 0.5)) / 2, loss.Data[0], 5);
        tape.Backward(loss);
        var g = logits.Grad!;
        for (int i = 0; i < z.Length; i++)
        {
            const float h = 1e-2f;
            float Value(float d) { var zz = (float[])z.Clone(); zz[i] += d; return new Tape { Recording = false }.TopOneMargin(new Var(zz, [2, 3]), [1, 2]).Data[0]; }
            Assert.Equal((Value(h) - Value(-h)) / (2 * h), g[i], 3);
        }
    }
}
