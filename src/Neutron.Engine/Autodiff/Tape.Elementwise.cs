// Add, Mul (numpy broadcasting, forward through ElementwiseKernels.Binary) and Relu on the tape.
// Relu keeps NaN (Relu(NaN) = NaN, as PyTorch) and passes gradient where x > 0.
using System.Numerics.Tensors;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    public Var Add(Var a, Var b)
    {
        var shape = BroadcastShape(a, b);
        var y = new float[ShapeUtil.Size(shape)];
        ElementwiseKernels.Binary(BinaryOp.Add, a.Data, a.Shape, b.Data, b.Shape, y, shape);
        return Output(y, shape, Any(a, b), dy =>
        {
            if (a.RequiresGrad) Broadcasting.AddReduced(dy, shape, a.GradBuffer, a.Shape);
            if (b.RequiresGrad) Broadcasting.AddReduced(dy, shape, b.GradBuffer, b.Shape);
        });
    }

    public Var Mul(Var a, Var b)
    {
        var shape = BroadcastShape(a, b);
        var y = new float[ShapeUtil.Size(shape)];
        ElementwiseKernels.Binary(BinaryOp.Mul, a.Data, a.Shape, b.Data, b.Shape, y, shape);
        return Output(y, shape, Any(a, b), dy =>
        {
            var t = new float[dy.Length];
            if (a.RequiresGrad)
            {
                ElementwiseKernels.Binary(BinaryOp.Mul, dy, shape, b.Data, b.Shape, t, shape);
                Broadcasting.AddReduced(t, shape, a.GradBuffer, a.Shape);
            }
            if (b.RequiresGrad)
            {
                ElementwiseKernels.Binary(BinaryOp.Mul, dy, shape, a.Data, a.Shape, t, shape);
                Broadcasting.AddReduced(t, shape, b.GradBuffer, b.Shape);
            }
        });
    }

    public Var Relu(Var x)
    {
        var xd = x.Data;
        var y = new float[xd.Length];
        for (int i = 0; i < y.Length; i++) y[i] = xd[i] > 0f || float.IsNaN(xd[i]) ? xd[i] : 0f;
        return Output(y, x.Shape, Any(x), dy =>
        {
            var dx = x.GradBuffer;
            for (int i = 0; i < dx.Length; i++) if (xd[i] > 0f) dx[i] += dy[i];
        });
    }

    /// <summary>Sum of all elements (a scalar), for losses built by hand and gradient checks.</summary>
    public Var Sum(Var x)
    {
        var y = new[] { TensorPrimitives.Sum<float>(x.Data) };
        return Output(y, [], Any(x), dy =>
        {
            var dx = x.GradBuffer;
            float g = dy[0];
            for (int i = 0; i < dx.Length; i++) dx[i] += g;
        });
    }

    private static int[] BroadcastShape(Var a, Var b) => ShapeUtil.Broadcast(a.Shape, b.Shape)
        ?? throw new ArgumentException($"{a} and {b} do not broadcast");
}
