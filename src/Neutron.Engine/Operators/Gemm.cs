// Gemm: Y = alpha * op(A) * op(B) + beta * C, op = optional transpose, C broadcast to (M, N).
//   A: (M, K) or (K, M) if transA   B: (K, N) or (N, K) if transB   C: broadcastable to (M, N)   Y: (M, N)
// The product runs on Gemm32 split across cores (ParallelGemm); Gemm32.Reference is its oracle.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Neutron.Engine.Operators;

public sealed class Gemm : Operator
{
    private readonly float alpha, beta;
    private readonly bool transA, transB;

    public Gemm(Node node, long opset) : base(node, opset)
    {
        alpha = node.Attributes.Float("alpha", 1f);
        beta = node.Attributes.Float("beta", 1f);
        transA = node.Attributes.Int("transA", 0) != 0;
        transB = node.Attributes.Int("transB", 0) != 0;
    }

    public float Alpha => alpha;
    public float Beta => beta;
    public bool TransA => transA;
    public bool TransB => transB;

    /// <summary>An activation applied to Y after the product (set by GraphOptimizer when it fuses the activation
    /// node that read Y; None for a graph as stored).</summary>
    public Activation Epilogue { get; set; }

    /// <summary>B packed as panels of sixteen columns, kept between runs, for one to eight rows (a classifier at a small
    /// batch): set by an optimised inference session, whose stored weights never change.</summary>
    public PackedFilters? KeptPanels { get; set; }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var a = Required(inputs, 0);
        var b = Required(inputs, 1);
        RequireFloat(a, "A");
        if (a.Shape.Length != 2 || b.Shape.Length != 2)
            throw Error($"A and B must be 2-D, got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}");
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw Error($"inner dimensions differ: A {ShapeUtil.Format(a.Shape)}{(transA ? "ᵀ" : "")} and B {ShapeUtil.Format(b.Shape)}{(transB ? "ᵀ" : "")}");
        if (inputs.Length > 2 && inputs[2] is { } c)
        {
            var broadcast = ShapeUtil.Broadcast(c.Shape, [m, n]);
            if (broadcast is null || broadcast[0] != m || broadcast[1] != n)
                throw Error($"C {ShapeUtil.Format(c.Shape)} does not broadcast to [{m},{n}]");
        }
        return [new TensorType(a.Type, [m, n])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var a = inputs[0]!;
        var b = inputs[1]!;
        var y = outputs[0];
        int m = y.Shape[0], n = y.Shape[1];
        int k = transA ? a.Shape[0] : a.Shape[1];
        var yf = y.Floats;
        float productBeta = 0f;
        if (inputs.Length > 2 && inputs[2] is { } c && beta != 0f)
        {
            // Y starts as beta * C broadcast to (M, N); the product is accumulated on top.
            var cf = c.Floats;
            if (c.Length == n && c.Shape.Length > 0 && c.Shape[^1] == n && m > 0)
            {
                // The usual bias row: scale it once, copy it down.
                var first = yf[..n];
                TensorPrimitives.Multiply(cf, beta, first);
                for (int i = 1; i < m; i++) first.CopyTo(yf.Slice(i * n, n));
            }
            else if (c.Length == m * n) TensorPrimitives.Multiply(cf, beta, yf);
            else ElementwiseKernels.BinaryReference(BinaryOp.Mul, cf, c.Shape, [beta], [], yf, [m, n]);
            productBeta = 1f;
        }
        if (KeptPanels is { } kept && !transB && m <= Gemm32Rows.MaxRows && n >= 16 && KernelSet.Active != KernelVariant.Scalar
            && KernelSet.IsSupported(KernelVariant.Avx2))
        {
            // B contiguous panel by panel: the columns' rows no longer a stride of n floats apart (Gemm32Rows' bits).
            var bf = b.FloatBuffer!;
            var panels = kept.Get(bf, new(false, n, k, KernelVariant.Avx2), Gemm32Rows.PanelsSize(n, k), packed => Gemm32Rows.PackPanels(n, k, bf, n, packed));
            ParallelGemm.MultiplyPanels(transA, m, n, k, alpha, a.FloatBuffer!, transA ? m : k, panels, productBeta, y.FloatBuffer!, n);
        }
        else
            ParallelGemm.Multiply(transA, transB, m, n, k, alpha, a.FloatBuffer!, 0, transA ? m : k, b.FloatBuffer!, 0, transB ? k : n,
                productBeta, y.FloatBuffer!, 0, n);
        if (!Epilogue.IsNone) ActivationKernels.Apply(Epilogue, yf);
    }
}
