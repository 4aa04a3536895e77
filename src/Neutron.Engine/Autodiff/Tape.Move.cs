// Data movement by an index map on the tape: each output element is one input element or a fill value. Pad (every
// mode), Transpose, Slice, Gather, Split, Squeeze, Unsqueeze and Expand are all such maps; ModelTape builds the map by
// running the engine's own operator on the input's element indices, so the forward is the engine's by construction.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <summary>y[i] = x[from[i]], or <paramref name="fill"/> where from[i] &lt; 0; y has <paramref name="shape"/>.</summary>
    public Var Move(Var x, int[] from, int[] shape, float fill = 0f)
    {
        if (from.Length != ShapeUtil.Size(shape)) throw new ArgumentException($"a map of {from.Length} elements does not fill {ShapeUtil.Format(shape)}", nameof(from));
        var y = new float[from.Length];
        var data = x.Data;
        for (int i = 0; i < y.Length; i++)
        {
            int j = from[i];
            if (j >= data.Length) throw new ArgumentException($"map entry {j} is outside {x}", nameof(from));
            y[i] = j < 0 ? fill : data[j];
        }
        // An input element the map repeats (reflect or edge padding, a repeated gather index) gets every copy's gradient.
        return Output(y, shape, Any(x), dy =>
        {
            var g = x.GradBuffer;
            for (int i = 0; i < dy.Length; i++)
                if (from[i] >= 0) g[from[i]] += dy[i];
        });
    }
}
