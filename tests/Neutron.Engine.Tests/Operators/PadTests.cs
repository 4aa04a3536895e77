// Pad's constant mode copies whole innermost rows into a filled output; it is checked element by element against
// the definition (y[i] = x[i − begin] inside, the value outside), as is the element map that serves cropping.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Operators;

public class PadTests
{
    public static TheoryData<int[], long[]> Cases() => new()
    {
        { [2, 3, 4, 5], [0, 0, 1, 1, 0, 0, 1, 1] },   // a conv's zero border
        { [2, 3, 4, 5], [0, 0, 0, 0, 0, 0, 1, 1] },   // end pads only (DenseNet's transition pools)
        { [2, 3, 4, 5], [1, 0, 2, 0, 0, 2, 0, 3] },   // every axis, begin and end differ
        { [7], [3, 2] },
        { [2, 3, 4, 5], [0, 0, 1, -1, 0, 0, -2, 1] }, // cropping: the element map
        { [2, 0, 3], [0, 1, 1, 0, 1, 1] },            // an empty input
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Constant_pad_matches_its_definition(int[] shape, long[] pads)
    {
        int rank = shape.Length;
        var rng = new Random(shape.Sum());
        var x = Tensor.FromFloats(Enumerable.Range(0, ShapeUtil.Size(shape)).Select(_ => (float)rng.NextDouble()).ToArray(), shape);
        var y = OneNode.Run("Pad", 2, new() { ["pads"] = pads, ["value"] = 2.5f }, x);
        var expectedShape = shape.Select((d, i) => d + (int)pads[i] + (int)pads[i + rank]).ToArray();
        Assert.Equal(expectedShape, y.Shape);
        var xStrides = ShapeUtil.Strides(shape);
        var index = new int[rank];
        for (int i = 0; i < y.Length; i++)
        {
            int at = 0;
            for (int d = 0, rest = i; d < rank; d++)
            {
                int stride = ShapeUtil.Size(expectedShape.AsSpan(d + 1));
                index[d] = rest / stride;
                rest %= stride;
                int s = index[d] - (int)pads[d];
                at = at < 0 || s < 0 || s >= shape[d] ? -1 : at + s * xStrides[d];
            }
            Assert.Equal(at < 0 ? 2.5f : x.Floats[at], y.Floats[i]);
        }
    }
}
