// The Gemm operator (bias row, full C, column C, transposes, alpha/beta; batches large enough to split across
// cores) against Gemm32.Reference with beta·C broadcast by the scalar element-wise reference.
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Kernels;

public class GemmOperatorTests
{
    [Theory]
    [InlineData(256, 120, 400, false, true, 1f, 1f, "row")]
    [InlineData(3, 10, 84, false, true, 1f, 1f, "row2d")]
    [InlineData(70, 33, 50, true, false, 0.5f, 2f, "full")]
    [InlineData(33, 33, 20, true, true, -1f, 0.5f, "column")]
    [InlineData(40, 300, 64, false, false, 1f, 0f, "row")]
    [InlineData(5, 7, 9, false, false, 1f, 1f, "none")]
    public void Gemm_operator_matches_the_reference(int m, int n, int k, bool ta, bool tb, float alpha, float beta, string cKind)
    {
        var rng = new Random(m * 1000 + n);
        var a = Tensor.FromFloats(Gemm32Tests.Random(rng, m * k), ta ? [k, m] : [m, k]);
        var b = Tensor.FromFloats(Gemm32Tests.Random(rng, k * n), tb ? [n, k] : [k, n]);
        int[]? cShape = cKind switch { "row" => [n], "row2d" => [1, n], "full" => [m, n], "column" => [m, 1], _ => null };
        var c = cShape is null ? null : Tensor.FromFloats(Gemm32Tests.Random(rng, ShapeUtil.Size(cShape)), cShape);
        var attributes = new Dictionary<string, object>
        {
            ["alpha"] = alpha, ["beta"] = beta, ["transA"] = ta ? 1L : 0L, ["transB"] = tb ? 1L : 0L,
        };
        var node = new Node { Name = "gemm", OpType = "Gemm", Inputs = c is null ? ["a", "b"] : ["a", "b", "c"], Outputs = ["y"], Attributes = new Attributes(attributes, "gemm") };
        var op = new Gemm(node, 13);
        TensorType?[] types = c is null
            ? [new(DataType.Float, a.Shape), new(DataType.Float, b.Shape)]
            : [new(DataType.Float, a.Shape), new(DataType.Float, b.Shape), new(DataType.Float, c.Shape)];
        var y = Tensor.Zeros(DataType.Float, op.Infer(types)[0].Shape);
        op.Run(c is null ? [a, b] : [a, b, c], [y]);

        var expected = new float[m * n];
        if (c is not null && beta != 0f)
            ElementwiseKernels.BinaryReference(BinaryOp.Mul, c.Floats, c.Shape, [beta], [], expected, [m, n]);
        Gemm32.Reference(ta, tb, m, n, k, alpha, a.Floats, b.Floats, c is null || beta == 0f ? 0f : 1f, expected);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y.Floats[i]) <= 1e-4f, $"y[{i}] = {y.Floats[i]}, reference {expected[i]}");
    }
}
