// Cases the ONNX node suite does not cover: opset-6 Add with broadcast/axis attributes, and AveragePool's
// count_include_pad with end pads that differ from the begin pads.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Operators;

public class LegacyFormTests
{
    [Fact]
    public void Opset6_add_aligns_b_at_axis()
    {
        var a = Tensor.Zeros(DataType.Float, 2, 3, 4);
        var b = Tensor.FromFloats([10f, 20f, 30f], 3);
        var y = OneNode.Run("Add", 6, new() { ["broadcast"] = 1L, ["axis"] = 1L }, a, b);
        Assert.Equal([2, 3, 4], y.Shape);
        for (int i = 0; i < y.Length; i++) Assert.Equal(10f * (i / 4 % 3 + 1), y.Floats[i]);
    }

    [Fact]
    public void Average_pool_counts_end_pads_when_they_differ_from_begin_pads()
    {
        var x = Tensor.FromFloats(Enumerable.Repeat(1f, 9).ToArray(), 1, 1, 3, 3);
        var attributes = new Dictionary<string, object>
        {
            ["kernel_shape"] = new long[] { 2, 2 },
            ["pads"] = new long[] { 0, 0, 1, 1 },
            ["count_include_pad"] = 1L,
        };
        var y = OneNode.Run("AveragePool", 11, attributes, x);
        Assert.Equal([1, 1, 3, 3], y.Shape);
        // Each window holds four positions; those past the bottom/right edge are padding and count as zeros.
        float[] expected = [1, 1, 0.5f, 1, 1, 0.5f, 0.5f, 0.5f, 0.25f];
        Assert.Equal(expected, y.Floats.ToArray());
    }
}
