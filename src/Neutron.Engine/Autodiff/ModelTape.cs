// Runs an ONNX Model (nodes in topological order, float NCHW) on a tape, so it can be trained or fine-tuned:
// float initializers become parameters over the initializer's own buffer (training updates the Model in place,
// so writing the Model out exports the trained weights); BatchNormalization's mean/var stay statistics.
// Not an inference engine: InferenceSession is. Ops outside Supported fail here, naming node and op.
using Neutron.Engine.Graph;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Autodiff;

public sealed class ModelTape
{
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "Gemm", "MatMul", "Add", "Mul", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool",
        "BatchNormalization", "Flatten", "Reshape", "Concat", "Identity", "Dropout",
        "Sigmoid", "Tanh", "LeakyRelu", "Clip", "HardSigmoid", "HardSwish",
    };

    private readonly Dictionary<string, Var> parameters = new(StringComparer.Ordinal);
    private readonly HashSet<string> statistics = new(StringComparer.Ordinal);
    private readonly HashSet<string> constants = new(StringComparer.Ordinal);

    public ModelTape(Model model)
    {
        Model = model;
        foreach (var node in model.Nodes)
        {
            if (!Supported.Contains(node.OpType) || node.Domain is not ("" or "ai.onnx"))
                throw new ModelException(ModelErrorCode.UnsupportedOperator,
                    $"{node} (opset {model.Opset}): training supports {string.Join(", ", Supported)}, not {node.OpType}");
            if (node.OpType == "BatchNormalization")
                for (int i = 3; i < Math.Min(5, node.Inputs.Length); i++) statistics.Add(node.Inputs[i]);
            // Clip's bounds are constants of the architecture (ReLU6's 6), never trained.
            if (node.OpType == "Clip")
                for (int i = 1; i < node.Inputs.Length; i++) constants.Add(node.Inputs[i]);
            if (node.OpType == "MaxPool" && node.Outputs.Length > 1 && node.Outputs[1].Length > 0)
                throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training supports MaxPool without its indices output");
            if (node.OpType == "AveragePool" && node.Attributes.Int("ceil_mode", 0) != 0)
                throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training supports AveragePool without ceil_mode");
        }
        foreach (var (name, tensor) in model.Initializers.ToArray())
        {
            if (!tensor.IsFloating) continue;
            // Parameters need exact-length buffers; engine tensors may be over-allocated.
            var exact = tensor.FloatBuffer!.Length == tensor.Length ? tensor : tensor.Clone();
            model.Initializers[name] = exact;
            if (!statistics.Contains(name) && !constants.Contains(name)) parameters[name] = Var.Parameter(exact.FloatBuffer!, exact.Shape, name);
        }
    }

    public Model Model { get; }

    /// <summary>
    /// Applied to every parameter a Conv, Gemm, MatMul or BatchNormalization node reads, each forward: the seam for
    /// quantization-aware training (wrap the parameter in Tape.FakeQuantize). Null: parameters are used as they are.
    /// </summary>
    public Func<Tape, Var, Var>? ParameterTransform { get; set; }

    /// <summary>
    /// Applied to every node's output (with its value name), each forward: the seam for training with activations
    /// computed in a number format (the datapath a campaign fake-quantises every node output to). Null: none.
    /// </summary>
    public Func<Tape, string, Var, Var>? OutputTransform { get; set; }

    /// <summary>Trainable parameters in a stable order (by name).</summary>
    public IReadOnlyList<Var> Parameters => parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray();

    public int ParameterCount => parameters.Values.Sum(p => p.Length);

    /// <summary>Forward of the whole graph for the single graph input; returns the first graph output.</summary>
    public Var Forward(Tape tape, Var input)
    {
        var inputs = Model.RequiredInputs.ToArray();
        if (inputs.Length != 1) throw new ModelException(ModelErrorCode.InputMismatch, $"training needs a model with one input, this one has {inputs.Length}");
        var values = new Dictionary<string, Var>(StringComparer.Ordinal) { [inputs[0].Name] = input };
        foreach (var node in Model.Nodes)
        {
            var result = Run(tape, node, values);
            values[node.Outputs[0]] = OutputTransform is { } transform ? transform(tape, node.Outputs[0], result) : result;
        }
        string output = Model.Outputs[0].Name;
        return values.TryGetValue(output, out var y) ? y
            : throw new ModelException(ModelErrorCode.MissingValue, $"graph output '{output}' is not computed by any node");
    }

    private Var Run(Tape tape, Node node, Dictionary<string, Var> values)
    {
        Var In(int i) => Optional(i) ?? throw new ModelException(ModelErrorCode.MissingValue, $"{node}: required input {i} is missing");
        Var? Optional(int i)
        {
            if (i >= node.Inputs.Length || node.Inputs[i].Length == 0) return null;
            string name = node.Inputs[i];
            if (values.TryGetValue(name, out var v)) return v;
            if (parameters.TryGetValue(name, out var p))
                return ParameterTransform is { } transform && node.OpType is "Conv" or "Gemm" or "MatMul" or "BatchNormalization"
                    ? transform(tape, p) : p;
            if (Model.Initializers.TryGetValue(name, out var t) && t.IsFloating) return new Var(t.FloatBuffer!, t.Shape);
            throw new ModelException(ModelErrorCode.MissingValue, $"{node}: input '{name}' is neither computed before it nor an initializer");
        }
        var a = node.Attributes;
        switch (node.OpType)
        {
            case "Conv":
                {
                    var x = In(0);
                    var w = In(1);
                    var g = Geometry(node, [w.Shape[2], w.Shape[3]], x);
                    return tape.Conv(x, w, Optional(2), g.Strides, g.Pads, (int)a.Int("group", 1), g.Dilations);
                }
            case "Gemm":
                return tape.Gemm(In(0), In(1), Optional(2), a.Int("transA", 0) != 0, a.Int("transB", 0) != 0, a.Float("alpha", 1f), a.Float("beta", 1f));
            case "MatMul": return tape.MatMul(In(0), In(1));
            case "Add": return tape.Add(In(0), In(1));
            case "Mul": return tape.Mul(In(0), In(1));
            case "Relu": return tape.Relu(In(0));
            case "Sigmoid": return tape.Sigmoid(In(0));
            case "Tanh": return tape.Tanh(In(0));
            case "LeakyRelu": return tape.LeakyRelu(In(0), a.Float("alpha", 0.01f));
            case "HardSigmoid": return tape.HardSigmoid(In(0), a.Float("alpha", 0.2f), a.Float("beta", 0.5f));
            case "HardSwish": return tape.HardSwish(In(0));
            case "Clip":
                {
                    // Bounds: attributes before opset 11, constant scalar inputs from 11 (as the engine's Clip reads them).
                    float Bound(int i, string name, float none)
                    {
                        if (Model.Opset < 11) return a.Float(name, none);
                        if (i >= node.Inputs.Length || node.Inputs[i].Length == 0) return none;
                        return Model.Initializers.TryGetValue(node.Inputs[i], out var t) && t.IsFloating ? t.Floats[0]
                            : throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training needs Clip's {name} as a float initializer");
                    }
                    return tape.Clip(In(0), Bound(1, "min", float.NegativeInfinity), Bound(2, "max", float.PositiveInfinity));
                }
            case "Identity" or "Dropout": return In(0);
            case "MaxPool" or "AveragePool":
                {
                    var x = In(0);
                    var kernel = (a.Ints("kernel_shape") ?? throw new ModelException(ModelErrorCode.InvalidAttribute, $"{node}: kernel_shape is required"))
                        .Select(k => checked((int)k)).ToArray();
                    // ceil_mode (MaxPool only): the extra last window is the floor-mode window over pads grown at the end,
                    // which a max ignores.
                    var g = Geometry(node, kernel, x, ceil: a.Int("ceil_mode", 0) != 0);
                    if (g.Dilations.Any(d => d != 1)) throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training supports pooling without dilations");
                    return node.OpType == "MaxPool"
                        ? tape.MaxPool(x, kernel, g.Strides, g.Pads)
                        : tape.AveragePool(x, kernel, g.Strides, g.Pads, a.Int("count_include_pad", 0) != 0);
                }
            case "GlobalAveragePool": return tape.GlobalAveragePool(In(0));
            case "BatchNormalization":
                {
                    var mean = Model.Initializers[node.Inputs[3]].FloatBuffer!;
                    var variance = Model.Initializers[node.Inputs[4]].FloatBuffer!;
                    return tape.BatchNormalization(In(0), In(1), In(2), mean, variance, a.Float("epsilon", 1e-5f), a.Float("momentum", 0.9f));
                }
            case "Flatten": return tape.Flatten(In(0), (int)a.Int("axis", 1));
            case "Reshape":
                {
                    var shape = Model.Initializers.TryGetValue(node.Inputs[1], out var s) && !s.IsFloating ? s.Longs.ToArray()
                        : throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training needs the target shape as an int64 initializer");
                    var x = In(0);
                    return tape.Reshape(x, Tape.ResolveShape(x.Shape, shape));
                }
            case "Concat":
                return tape.Concat(Enumerable.Range(0, node.Inputs.Length).Select(In).ToArray(), (int)a.Int("axis"));
            default:
                throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: not supported for training");
        }
    }

    /// <summary>Strides, dilations and begin/end pads (auto_pad resolved) for a 2-D window, in the tape's order.</summary>
    private static (int[] Strides, int[] Pads, int[] Dilations) Geometry(Node node, int[] kernel, Var x, bool ceil = false)
    {
        if (x.Rank != 4) throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training supports 2-D windows on 4-D inputs, got {x}");
        var g = ConvGeometry.Resolve(node.Attributes, kernel, [x.Shape[2], x.Shape[3]], ceil,
            m => new ModelException(ModelErrorCode.InvalidAttribute, $"{node}: {m}"));
        var pads = (int[])g.Pads.Clone();
        if (ceil)
            for (int d = 0; d < 2; d++)
            {
                int span = (g.OutputSize[d] - 1) * g.Strides[d] + (kernel[d] - 1) * g.Dilations[d] + 1;
                pads[d + 2] += Math.Max(0, span - (x.Shape[2 + d] + pads[d] + pads[d + 2]));
            }
        return (g.Strides, pads, g.Dilations);
    }
}
