// Operators that change only the shape: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference:
// identity). They copy the data, so an observer changing their output never aliases their input.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Reshaping : Operator
{
    public Reshaping(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        int[] shape = Node.OpType switch
        {
            "Reshape" => ReshapeTo(x.Shape, inputs),
            "Flatten" => Flatten(x.Shape),
            "Squeeze" => Squeeze(x.Shape, AxesOf(inputs, x.Shape.Length)),
            "Unsqueeze" => Unsqueeze(x.Shape, AxesOf(inputs, -1) ?? throw Error("Unsqueeze needs axes", ModelErrorCode.InvalidAttribute)),
            _ => x.Shape,
        };
        if (Node.OpType == "Dropout" && inputs.Length > 2 && inputs[2] is { } training && (training.Constant is null || training.Constant.GetDouble(0) != 0))
            throw Error("training_mode must be a constant false: training-mode dropout is random and not supported", ModelErrorCode.UnsupportedOperator);
        var result = new List<TensorType> { new(x.Type, shape) };
        if (Node.OpType == "Dropout") result.Add(new TensorType(DataType.Bool, x.Shape));
        return [.. result];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        inputs[0]!.CopyTo(outputs[0]);
        if (outputs.Length > 1) outputs[1].Longs.Fill(1); // Dropout's mask: everything kept
    }

    private int[] ReshapeTo(int[] input, TensorType?[] inputs)
    {
        long[] target = Opset < 5
            ? Node.Attributes.Ints("shape") ?? throw Error("attribute shape is required", ModelErrorCode.InvalidAttribute)
            : ConstantInput(inputs, 1, "shape").ToLongArray();
        bool allowZero = Node.Attributes.Int("allowzero", 0) != 0;
        var shape = new int[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) throw Error($"shape [{string.Join(",", target)}] copies dimension {i}, input {ShapeUtil.Format(input)} has none");
                d = input[i];
            }
            if (d == -1)
            {
                if (inferred >= 0) throw Error($"shape [{string.Join(",", target)}] has more than one -1");
                inferred = i;
                continue;
            }
            if (d < 0 || d > int.MaxValue) throw Error($"shape [{string.Join(",", target)}] has invalid dimension {d}");
            shape[i] = (int)d;
            known *= d;
        }
        long size = ShapeUtil.Size(input);
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0) throw Error($"cannot reshape {ShapeUtil.Format(input)} to [{string.Join(",", target)}]");
            shape[inferred] = (int)(size / known);
        }
        else if (known != size) throw Error($"cannot reshape {ShapeUtil.Format(input)} ({size} elements) to [{string.Join(",", target)}] ({known})");
        return shape;
    }

    private int[] Flatten(int[] input)
    {
        long a = Node.Attributes.Int("axis", 1);
        // axis may equal the rank (everything in the outer dimension); a negative one counts from the rank.
        int axis = (int)(a < 0 ? a + input.Length : a);
        if (axis < 0 || axis > input.Length) throw Error($"axis {a} is out of range for {ShapeUtil.Format(input)}", ModelErrorCode.InvalidAttribute);
        int outer = ShapeUtil.Size(input.AsSpan(0, axis));
        int inner = ShapeUtil.Size(input.AsSpan(axis));
        return [outer, inner];
    }

    private long[]? AxesOf(TensorType?[] inputs, int rankForDefault)
    {
        if (Opset >= 13) return inputs.Length > 1 && inputs[1] is not null ? ConstantInput(inputs, 1, "axes").ToLongArray() : null;
        return Node.Attributes.Ints("axes");
    }

    private int[] Squeeze(int[] input, long[]? axes)
    {
        if (axes is null) return input.Where(d => d != 1).ToArray();
        var drop = axes.Select(a => ShapeUtil.Axis(a, input.Length)).ToHashSet();
        foreach (int a in drop)
            if (input[a] != 1) throw Error($"cannot squeeze axis {a} of {ShapeUtil.Format(input)}: its size is not 1");
        return input.Where((_, i) => !drop.Contains(i)).ToArray();
    }

    private int[] Unsqueeze(int[] input, long[] axes)
    {
        int rank = input.Length + axes.Length;
        var insert = axes.Select(a => ShapeUtil.Axis(a, rank)).ToHashSet();
        if (insert.Count != axes.Length) throw Error($"axes [{string.Join(",", axes)}] repeat an axis");
        var shape = new int[rank];
        int k = 0;
        for (int i = 0; i < rank; i++) shape[i] = insert.Contains(i) ? 1 : input[k++];
        return shape;
    }
}
