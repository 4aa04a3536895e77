// A value on the autodiff tape: a dense row-major float tensor and, once backward reaches it, its gradient.
// Not an engine Tensor: Data is always exactly Length long so spans need no slicing. Parameters are Vars that
// outlive one tape; their Grad accumulates until the optimizer clears it.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed class Var
{
    public Var(float[] data, int[] shape, bool requiresGrad = false, string name = "")
    {
        if (data.Length != ShapeUtil.Size(shape))
            throw new ArgumentException($"{data.Length} values do not fill shape {ShapeUtil.Format(shape)}", nameof(data));
        Data = data;
        Shape = shape;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    public float[] Data { get; }
    public int[] Shape { get; }
    public float[]? Grad { get; set; }
    public bool RequiresGrad { get; }
    public string Name { get; }
    public int Length => Data.Length;
    public int Rank => Shape.Length;

    /// <summary>The gradient buffer, created zeroed on first use.</summary>
    public float[] GradBuffer => Grad ??= new float[Data.Length];

    public static Var Zeros(params int[] shape) => new(new float[ShapeUtil.Size(shape)], shape);

    /// <summary>A parameter over the given buffer (shared, not copied: the optimizer updates it in place).</summary>
    public static Var Parameter(float[] data, int[] shape, string name) => new(data, shape, true, name);

    public override string ToString() => $"{(Name.Length > 0 ? Name : "var")}{ShapeUtil.Format(Shape)}";
}
