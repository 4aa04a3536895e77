// Runs an ONNX Model (nodes in topological order, float NCHW) on a tape, so it can be trained or fine-tuned:
// float initializers become parameters over the initializer's own buffer (training updates the Model in place,
// so writing the Model out exports the trained weights); BatchNormalization's mean/var stay statistics.
// Not an inference engine: InferenceSession is. Values that carry no gradient (integer initializers, Shape of a
// value, and any node computed from those alone: the shape arithmetic of a channel shuffle) are computed each
// forward by the engine's own operators. Data movement (Moves) is an index map the engine's operator computes on
// the input's element indices, so its forward is the engine's by construction and its gradient a scatter.
// Any other op outside Supported fails here, naming node and op.
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
        "Sigmoid", "Tanh", "LeakyRelu", "Clip", "HardSigmoid", "HardSwish", "ReduceMean", "ReduceSum", "Shape",
        "Pad", "Transpose", "Slice", "Gather", "Split", "Squeeze", "Unsqueeze", "Expand",
    };

    /// <summary>The supported ops that only move elements: every input but the first is a constant.</summary>
    public static readonly IReadOnlySet<string> Moves = new HashSet<string>(StringComparer.Ordinal)
    {
        "Pad", "Transpose", "Slice", "Gather", "Split", "Squeeze", "Unsqueeze", "Expand",
    };

    private readonly Dictionary<string, Var> parameters = new(StringComparer.Ordinal);
    private readonly HashSet<string> statistics = new(StringComparer.Ordinal);
    private readonly HashSet<string> constants = new(StringComparer.Ordinal);
    // Values without a gradient: integer initializers and what nodes compute from them and from shapes alone.
    private readonly HashSet<string> fixedValues = new(StringComparer.Ordinal);
    private readonly HashSet<Node> fixedNodes = [];
    private readonly Dictionary<Node, Operator> operators = [];
    // Index maps of the Moves, valid for one graph input shape (every constant derives from shapes).
    private readonly Dictionary<Node, (int[] From, int[] Shape)[]> maps = [];
    private int[] mapsShape = [];

    public ModelTape(Model model)
    {
        Model = model;
        foreach (var (name, tensor) in model.Initializers)
            if (!tensor.IsFloating) fixedValues.Add(name);
        foreach (var node in model.Nodes)
        {
            bool anyInput = node.Inputs.Any(i => i.Length > 0);
            if (node.Domain is "" or "ai.onnx" && OperatorRegistry.IsSupported(node.OpType)
                && (node.OpType is "Shape" or "Size" || anyInput && node.Inputs.All(i => i.Length == 0 || fixedValues.Contains(i))))
            {
                fixedNodes.Add(node);
                foreach (var o in node.Outputs) if (o.Length > 0) fixedValues.Add(o);
                continue;
            }
            if (!Supported.Contains(node.OpType) || node.Domain is not ("" or "ai.onnx"))
                throw new ModelException(ModelErrorCode.UnsupportedOperator,
                    $"{node} (opset {model.Opset}): training supports {string.Join(", ", Supported)} and shape arithmetic, not {node.OpType}");
            if (Moves.Contains(node.OpType) || node.OpType is "Reshape")
                for (int i = 1; i < node.Inputs.Length; i++)
                {
                    string input = node.Inputs[i];
                    // Pad's fill value is a constant of the architecture, like Clip's bounds.
                    if (node.OpType == "Pad" && i == 2 && input.Length > 0 && model.Initializers.ContainsKey(input)) { constants.Add(input); continue; }
                    if (input.Length > 0 && !fixedValues.Contains(input))
                        throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training needs {node.OpType}'s input {i} ('{input}') computable from integer constants and shapes");
                }
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
        var fixedTensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        if (!mapsShape.AsSpan().SequenceEqual(input.Shape)) { maps.Clear(); mapsShape = (int[])input.Shape.Clone(); }
        foreach (var node in Model.Nodes)
        {
            if (fixedNodes.Contains(node))
            {
                var computed = Evaluate(node, values, fixedTensors);
                for (int k = 0; k < computed.Length && k < node.Outputs.Length; k++) fixedTensors[node.Outputs[k]] = computed[k];
                continue;
            }
            var results = Moves.Contains(node.OpType) ? Move(tape, node, values, fixedTensors) : [Run(tape, node, values, fixedTensors)];
            for (int k = 0; k < results.Length && k < node.Outputs.Length; k++)
            {
                if (node.Outputs[k].Length == 0) continue;
                values[node.Outputs[k]] = OutputTransform is { } transform ? transform(tape, node.Outputs[k], results[k]) : results[k];
            }
        }
        string output = Model.Outputs[0].Name;
        return values.TryGetValue(output, out var y) ? y
            : throw new ModelException(ModelErrorCode.MissingValue, $"graph output '{output}' is not computed by any node");
    }

    /// <summary>A value without a gradient: an integer initializer or one computed this forward.</summary>
    private Tensor Fixed(Node node, int i, Dictionary<string, Tensor> fixedTensors)
    {
        string name = node.Inputs[i];
        return fixedTensors.TryGetValue(name, out var t) || Model.Initializers.TryGetValue(name, out t) ? t
            : throw new ModelException(ModelErrorCode.MissingValue, $"{node}: input '{name}' is not a constant computed before it");
    }

    private Operator OperatorOf(Node node)
    {
        if (!operators.TryGetValue(node, out var op)) operators[node] = op = OperatorRegistry.Create(node, Model.Opset);
        return op;
    }

    /// <summary>A node of fixed values, by the engine's operator (Shape of a tape value reads only its shape).</summary>
    private Tensor[] Evaluate(Node node, Dictionary<string, Var> values, Dictionary<string, Tensor> fixedTensors)
    {
        var op = OperatorOf(node);
        var inputs = new Tensor?[node.Inputs.Length];
        var types = new TensorType?[node.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i].Length == 0) continue;
            if (values.TryGetValue(node.Inputs[i], out var v)) { types[i] = new TensorType(DataType.Float, v.Shape); continue; }
            var t = inputs[i] = Fixed(node, i, fixedTensors);
            types[i] = new TensorType(t.Type, t.Shape) { Constant = t };
        }
        var outTypes = op.Infer(types);
        if (outTypes.All(t => t.Constant is not null)) return outTypes.Select(t => t.Constant!).ToArray();
        var outputs = outTypes.Select(t => Tensor.Zeros(t.Type, t.Shape)).ToArray();
        op.Run(inputs, outputs);
        return outputs;
    }

    /// <summary>
    /// A data-movement node: the engine's operator run on the input's element indices (1-based as int64, so the
    /// 0 a constant pad writes reads as "no element") gives each output element's source; the tape moves by it.
    /// </summary>
    private Var[] Move(Tape tape, Node node, Dictionary<string, Var> values, Dictionary<string, Tensor> fixedTensors)
    {
        var x = values.TryGetValue(node.Inputs[0], out var v) ? v
            : parameters.TryGetValue(node.Inputs[0], out v) ? v // a gathered or padded weight is trained as itself
            : throw new ModelException(ModelErrorCode.MissingValue, $"{node}: input '{node.Inputs[0]}' is neither computed before it nor a parameter");
        float fill = 0f;
        if (node.OpType == "Pad")
        {
            if (Model.Opset < 11 && node.Attributes.Float("value", 0f) != 0f)
                throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training supports Pad before opset 11 only with value 0");
            if (node.Inputs.Length > 2 && node.Inputs[2].Length > 0 && Model.Initializers.TryGetValue(node.Inputs[2], out var c) && c.IsFloating)
                fill = c.Floats[0];
        }
        if (!maps.TryGetValue(node, out var from))
        {
            var op = OperatorOf(node);
            var indices = new long[x.Length];
            for (int i = 0; i < indices.Length; i++) indices[i] = i + 1;
            var inputs = new Tensor?[node.Inputs.Length];
            var types = new TensorType?[node.Inputs.Length];
            inputs[0] = Tensor.FromLongs(DataType.Int64, indices, x.Shape);
            for (int i = 1; i < inputs.Length; i++)
            {
                if (node.Inputs[i].Length == 0) continue;
                // Pad's fill value: the index run fills 0 (no element); the float value is the tape's fill.
                inputs[i] = node.OpType == "Pad" && i == 2 ? Tensor.ScalarLong(0) : Fixed(node, i, fixedTensors);
            }
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i] is { } t) types[i] = new TensorType(t.Type, t.Shape) { Constant = i == 0 ? null : t };
            var outTypes = op.Infer(types);
            var outputs = outTypes.Select(t => Tensor.Zeros(DataType.Int64, t.Shape)).ToArray();
            op.Run(inputs, outputs);
            from = outputs.Select(o =>
            {
                var m = new int[o.Length];
                var l = o.Longs;
                for (int i = 0; i < m.Length; i++) m[i] = (int)l[i] - 1;
                return (m, o.Shape);
            }).ToArray();
            maps[node] = from;
        }
        return from.Select(m => tape.Move(x, m.From, m.Shape, fill)).ToArray();
    }

    private Var Run(Tape tape, Node node, Dictionary<string, Var> values, Dictionary<string, Tensor> fixedTensors)
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
            // A float computed from shapes alone (a Cast of a Shape) enters as a constant.
            if (fixedTensors.TryGetValue(name, out t) && t.IsFloating) return new Var(t.Floats.ToArray(), t.Shape);
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
            case "ReduceMean" or "ReduceSum":
                {
                    // Axes: an attribute, or ReduceSum's input from opset 13.
                    long[] axes = node.OpType == "ReduceSum" && Model.Opset >= 13
                        ? node.Inputs.Length > 1 && node.Inputs[1].Length > 0 ? Fixed(node, 1, fixedTensors).Longs.ToArray() : []
                        : a.Ints("axes") ?? [];
                    if (axes.Length == 0 && node.OpType == "ReduceSum" && a.Int("noop_with_empty_axes", 0) != 0) return In(0);
                    return node.OpType == "ReduceMean"
                        ? tape.ReduceMean(In(0), axes.Select(d => checked((int)d)).ToArray(), a.Int("keepdims", 1) != 0)
                        : tape.ReduceSum(In(0), axes.Select(d => checked((int)d)).ToArray(), a.Int("keepdims", 1) != 0);
                }
            case "Reshape":
                {
                    var s = Fixed(node, 1, fixedTensors);
                    var shape = !s.IsFloating ? s.Longs.ToArray()
                        : throw new ModelException(ModelErrorCode.UnsupportedOperator, $"{node}: training needs the target shape as int64");
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
