// Flatten, Reshape and Concat on the tape: data movement only; gradients move back the same way.
using System.Numerics.Tensors;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    /// <summary>Reshape to a fully resolved shape (callers resolve ONNX's 0 and -1 first, see ResolveShape).</summary>
    public Var Reshape(Var x, int[] shape)
    {
        if (ShapeUtil.Size(shape) != x.Length) throw new ArgumentException($"cannot reshape {x} to {ShapeUtil.Format(shape)}");
        // Same data array: a reshape copies nothing forward, and its backward adds the gradient back unchanged.
        return Output(x.Data, shape, Any(x), dy => TensorPrimitives.Add(x.GradBuffer, dy, x.GradBuffer));
    }

    /// <summary>ONNX Flatten: dimensions before axis become rows, the rest columns.</summary>
    public Var Flatten(Var x, int axis = 1)
    {
        axis = ShapeUtil.Axis(axis, x.Rank + 1);
        int rows = ShapeUtil.Size(x.Shape.AsSpan(0, axis));
        return Reshape(x, [rows, x.Length / Math.Max(rows, 1)]);
    }

    /// <summary>ONNX Reshape semantics: 0 copies the input dimension (allowzero = 0), one -1 is inferred.</summary>
    public static int[] ResolveShape(int[] input, long[] requested)
    {
        var shape = new int[requested.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = requested[i];
            if (d == -1)
            {
                if (infer >= 0) throw new ArgumentException("Reshape has more than one -1");
                infer = i;
                continue;
            }
            shape[i] = d == 0 ? input[i] : checked((int)d);
            known *= shape[i];
        }
        int total = ShapeUtil.Size(input);
        if (infer >= 0) shape[infer] = known == 0 ? 0 : (int)(total / known);
        if (ShapeUtil.Size(shape) != total)
            throw new ArgumentException($"cannot reshape {ShapeUtil.Format(input)} to [{string.Join(",", requested)}]");
        return shape;
    }

    public Var Concat(Var[] parts, int axis)
    {
        if (parts.Length == 0) throw new ArgumentException("Concat needs at least one input");
        int rank = parts[0].Rank;
        axis = ShapeUtil.Axis(axis, rank);
        int outer = ShapeUtil.Size(parts[0].Shape.AsSpan(0, axis));
        int inner = ShapeUtil.Size(parts[0].Shape.AsSpan(axis + 1));
        int total = 0;
        foreach (var p in parts)
        {
            for (int d = 0; d < rank; d++)
                if (d != axis && p.Shape[d] != parts[0].Shape[d])
                    throw new ArgumentException($"Concat inputs {parts[0]} and {p} differ outside axis {axis}");
            total += p.Shape[axis];
        }
        var shape = (int[])parts[0].Shape.Clone();
        shape[axis] = total;
        var y = new float[ShapeUtil.Size(shape)];
        int row = total * inner;
        int offset = 0;
        foreach (var p in parts)
        {
            int block = p.Shape[axis] * inner;
            for (int o = 0; o < outer; o++) p.Data.AsSpan(o * block, block).CopyTo(y.AsSpan(o * row + offset, block));
            offset += block;
        }
        bool needs = false;
        foreach (var p in parts) needs |= p.RequiresGrad;
        return Output(y, shape, needs, dy =>
        {
            int at = 0;
            foreach (var p in parts)
            {
                int block = p.Shape[axis] * inner;
                if (p.RequiresGrad)
                {
                    var g = p.GradBuffer;
                    for (int o = 0; o < outer; o++)
                        TensorPrimitives.Add(g.AsSpan(o * block, block), dy.AsSpan(o * row + at, block), g.AsSpan(o * block, block));
                }
                at += block;
            }
        });
    }
}
