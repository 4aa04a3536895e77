// Fake quantisation for quantization-aware training: forward stores x in a number format and computes with what
// the words decode to; backward is the straight-through estimator, dx = dy inside the format's range [min, max]
// and 0 where the value saturated. The engine knows no formats: the caller passes the codec as a delegate
// (Neutron.Faults' TensorEncoding.Quantize does it).
namespace Neutron.Engine.Autodiff;

/// <summary>Replaces each value by what it becomes when stored (Decode(Encode(v))), in place.</summary>
public delegate void Quantizer(Span<float> values);

public sealed partial class Tape
{
    public Var FakeQuantize(Var x, Quantizer quantize, float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        var y = (float[])x.Data.Clone();
        quantize(y);
        var xd = x.Data;
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++)
                if (xd[i] >= min && xd[i] <= max) dx[i] += dy[i];
        });
    }
}
