// ElementwiseKernels.Binary's broadcast fast paths (one value per row, a repeated trailing block, a scalar on
// either side) against the stride-walking twin BinaryReference, bit for bit for every non-NaN output (when both
// operands are NaN, which payload survives may differ), for all four operations and either operand order.
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class BroadcastFastPathTests
{
    // (big shape, small shape): the small one broadcasts against the big one.
    public static TheoryData<int[], int[]> Shapes() => new()
    {
        { [2, 6, 5, 7], [2, 6, 1, 1] },   // squeeze-excitation scale
        { [2, 6, 5, 7], [1, 6, 1, 1] },   // per-channel, batch broadcast too: not per row (falls back)
        { [2, 6, 5, 7], [6, 1, 1] },      // per-channel, lower rank
        { [1, 6, 5, 7], [6, 1, 1] },      // lower rank, batch 1: per row
        { [2, 6, 5, 7], [7] },            // bias over the last dim: a repeated block
        { [2, 6, 5, 7], [1, 5, 7] },      // repeated block of two dims
        { [2, 6, 5, 7], [1] },            // scalar
        { [3, 10], [3, 1] },
        { [4, 9], [1, 9] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Broadcast_fast_paths_give_the_reference_bits(int[] big, int[] small)
    {
        var rng = new Random(big.Sum() * 31 + small.Sum());
        var full = Gemm32Tests.Random(rng, ShapeUtil.Size(big));
        var part = Gemm32Tests.Random(rng, ShapeUtil.Size(small));
        full[0] = float.PositiveInfinity;
        full[1] = -0f;
        full[2] = float.NaN;
        part[0] = part.Length > 1 ? 0f : part[0];
        foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div })
        foreach (bool smallFirst in new[] { false, true })
        {
            var (a, aShape, b, bShape) = smallFirst ? (part, small, full, big) : (full, big, part, small);
            var expected = new float[full.Length];
            var actual = new float[full.Length];
            ElementwiseKernels.BinaryReference(op, a, aShape, b, bShape, expected, big);
            ElementwiseKernels.Binary(op, a, aShape, b, bShape, actual, big);
            for (int i = 0; i < expected.Length; i++)
            {
                string what = $"{op} {(smallFirst ? "small first" : "big first")} [{string.Join(",", big)}] [{string.Join(",", small)}]: y[{i}] = {actual[i]}, reference {expected[i]}";
                if (float.IsNaN(expected[i])) Assert.True(float.IsNaN(actual[i]), what);
                else Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), what);
            }
        }
    }

    [Fact]
    public void The_operator_splits_rows_over_threads_with_the_kernels_bits()
    {
        // Large enough for several runs of rows: (8, 40, 30, 30) against a value per (image, channel), either order.
        int[] big = [8, 40, 30, 30], small = [8, 40, 1, 1];
        var rng = new Random(5);
        var full = Gemm32Tests.Random(rng, ShapeUtil.Size(big));
        var part = Gemm32Tests.Random(rng, ShapeUtil.Size(small));
        foreach (var (op, opType) in new[] { (BinaryOp.Mul, "Mul"), (BinaryOp.Sub, "Sub") })
        foreach (bool smallFirst in new[] { false, true })
        {
            var (a, aShape, b, bShape) = smallFirst ? (part, small, full, big) : (full, big, part, small);
            var expected = new float[full.Length];
            ElementwiseKernels.BinaryReference(op, a, aShape, b, bShape, expected, big);
            var y = Neutron.Engine.Tests.Operators.OneNode.Run(opType, 13, [], Tensor.FromFloats(a, aShape), Tensor.FromFloats(b, bShape));
            BitAssert.Same(expected, y.Floats.ToArray(), $"{opType} {(smallFirst ? "small first" : "big first")}");
        }
    }
}
