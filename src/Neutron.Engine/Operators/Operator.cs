// The operator contract. One subclass per ONNX op_type (file named after it), built once at load from the node's
// attributes and the model's opset; the planner asks it for output types/shapes, the plan then calls Run with
// inputs and pre-allocated outputs. Operators never allocate in Run on the steady path and never know about faults.
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

/// <summary>What the planner knows of a value: element type and shape, and its content when it is a constant.</summary>
public sealed record TensorType(DataType Type, int[] Shape)
{
    /// <summary>The value itself when known at plan time (initializers, folded shape arithmetic).</summary>
    public Tensor? Constant { get; init; }

    public override string ToString() => $"{Type.Name()}{ShapeUtil.Format(Shape)}";
}

public abstract class Operator
{
    protected Operator(Node node, long opset)
    {
        Node = node;
        Opset = opset;
    }

    public Node Node { get; }
    public long Opset { get; }

    /// <summary>Output types and shapes from the inputs' (null for an omitted optional input).</summary>
    public abstract TensorType[] Infer(TensorType?[] inputs);

    /// <summary>Computes outputs (already shaped as Infer said) from inputs (null for omitted optional inputs).</summary>
    public abstract void Run(Tensor?[] inputs, Tensor[] outputs);

    /// <summary>A model error about this node, for Infer to throw.</summary>
    /// <summary>An axis attribute normalised against a rank (ShapeUtil.Axis), as a model error naming the node.</summary>
    protected int Axis(long axis, int rank, string what = "axis")
    {
        try { return ShapeUtil.Axis(axis, rank, what); }
        catch (ArgumentOutOfRangeException) { throw Error($"{what} {axis} is out of range for rank {rank}", ModelErrorCode.InvalidAttribute); }
    }

    protected ModelException Error(string message, ModelErrorCode code = ModelErrorCode.ShapeMismatch) =>
        new(code, $"{Node} (opset {Opset}): {message}");

    /// <summary>Input i, which the spec makes required.</summary>
    protected TensorType Required(TensorType?[] inputs, int i) =>
        i < inputs.Length && inputs[i] is { } v ? v : throw Error($"required input {i} is missing", ModelErrorCode.MissingValue);

    /// <summary>The constant content of input i, which must be known at load (shape inputs of Reshape, Slice...).</summary>
    protected Tensor ConstantInput(TensorType?[] inputs, int i, string what) =>
        Required(inputs, i).Constant ?? throw Error($"input {i} ({what}) must be a constant or computable from shapes at load; data-dependent shapes are not supported", ModelErrorCode.UnsupportedOperator);

    protected void RequireFloat(TensorType input, string what = "input")
    {
        if (!input.Type.IsFloating()) throw Error($"{what} must be a floating type, got {input.Type.Name()}", ModelErrorCode.UnsupportedDataType);
    }
}
