// Gemm and MatMul on the tape, through Gemm32.Multiply; rows of A (the batch) are split over threads.
//   Gemm: Y = alpha·op(A)·op(B) + beta·C   A: (M, K) or (K, M)   B: (K, N) or (N, K)   C: broadcast to (M, N)
//   MatMul: A (…, K) · B (K, N), leading dimensions of A folded into rows.
using Neutron.Engine.Execution;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    public Var Gemm(Var a, Var b, Var? c, bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f)
    {
        if (a.Rank != 2 || b.Rank != 2) throw new ArgumentException($"Gemm needs 2-D A and B, got {a} and {b}");
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw new ArgumentException($"Gemm inner dimensions differ: {a} and {b}");
        int[] yShape = [m, n];
        if (c is not null && !(ShapeUtil.Broadcast(c.Shape, yShape) is { } bc && bc.SequenceEqual(yShape)))
            throw new ArgumentException($"Gemm C {c} does not broadcast to [{m},{n}]");
        var y = new float[m * n];
        if (c is not null && beta != 0f)
        {
            ElementwiseKernels.BinaryReference(Operators.BinaryOp.Mul, c.Data, c.Shape, [beta], [], y, yShape);
            Product(transA, transB, m, n, k, alpha, a.Data, b.Data, 1f, y);
        }
        else Product(transA, transB, m, n, k, alpha, a.Data, b.Data, 0f, y);
        return Output(y, yShape, Any(a, b, c), dy =>
        {
            if (a.RequiresGrad)
            {
                if (!transA) Product(false, !transB, m, k, n, alpha, dy, b.Data, 1f, a.GradBuffer);   // dA = dY·op(B)ᵀ
                else Gemm32.Multiply(transB, true, k, m, n, alpha, b.Data, dy, 1f, a.GradBuffer);      // dAᵀ = op(B)·dYᵀ
            }
            if (b.RequiresGrad)
            {
                if (!transB) Gemm32.Multiply(!transA, false, k, n, m, alpha, a.Data, dy, 1f, b.GradBuffer); // dB = op(A)ᵀ·dY
                else Gemm32.Multiply(true, transA, n, k, m, alpha, dy, a.Data, 1f, b.GradBuffer);          // dBᵀ = dYᵀ·op(A)
            }
            if (c is { RequiresGrad: true }) Broadcasting.AddReduced(dy, yShape, c.GradBuffer, c.Shape, beta);
        });
    }

    public Var MatMul(Var a, Var b)
    {
        if (a.Rank < 1 || b.Rank != 2) throw new ArgumentException($"MatMul on the tape needs B 2-D, got {a} and {b}");
        int k = a.Shape[^1];
        int rows = a.Length / Math.Max(k, 1);
        var flat = Reshape(a, [rows, k]);
        var y = Gemm(flat, b, null);
        return Reshape(y, [.. a.Shape[..^1], b.Shape[1]]);
    }

    /// <summary>Y (m × n) = alpha·op(A)·op(B) + beta·Y with untransposed A split by rows over threads.</summary>
    private static void Product(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] y)
    {
        int parts = transA ? 1 : Chunks.Count(m);
        if (parts == 1)
        {
            Gemm32.Multiply(transA, transB, m, n, k, alpha, a, b, beta, y);
            return;
        }
        Parallelism.For(parts, (long)m / parts * n * k, p =>
        {
            var (s, e) = Chunks.Range(p, parts, m);
            Gemm32.Multiply(false, transB, e - s, n, k, alpha, a.AsSpan(s * k, (e - s) * k), b, beta, y.AsSpan(s * n, (e - s) * n));
        });
    }
}
