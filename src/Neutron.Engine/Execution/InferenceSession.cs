// A model ready to run: operators built and the graph validated at construction (with every symbolic dimension
// set to 1), plans cached per input shape set. Not thread-safe; use one session per thread.
using Neutron.Engine.Graph;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

public sealed class InferenceSession
{
    private readonly Operator[] operators;
    private readonly Dictionary<string, ExecutionPlan> plans = new(StringComparer.Ordinal);
    /// <summary>Values written straight into part of another value's buffer (an optimised session's Concat parts).</summary>
    private readonly IReadOnlyDictionary<string, string>? writtenInto;

    public InferenceSession(Model model) : this(model, new Dictionary<Node, Kernels.Activation>()) { }

    /// <summary>
    /// A session over the model as GraphOptimizer rewrites it (BatchNormalization folded, activations fused, Identity
    /// and Dropout removed): for inference only. Values the rewrite removed cannot be asked for, and results differ
    /// from the stored graph's by rounding where a BatchNormalization was folded. Stored tensors are constants here:
    /// convolutions keep their packed filters and Gemms their B panels between runs, so a weight changed in place would
    /// go unseen; values between layers may be stored channels last, and convolutions joined by a channel Concat write
    /// into its output. Campaigns use the plain constructor.
    /// </summary>
    public static InferenceSession Optimized(Model model)
    {
        ModelChecks.Validate(model);
        var optimized = GraphOptimizer.Optimize(model);
        var writtenInto = optimized.WrittenIntoConcats.ToDictionary(p => p.Key, p => p.Value.Into, StringComparer.Ordinal);
        var session = new InferenceSession(optimized.Model, optimized.Epilogues, optimized.Residuals, optimized.ConcatParts, writtenInto) { Optimization = optimized };
        // Stored weights are constants here (inference only): their convolutions keep their packed filters.
        foreach (var conv in session.operators.OfType<Conv>())
            if (conv.Node.Inputs.Length > 1 && optimized.Model.Initializers.ContainsKey(conv.Node.Inputs[1])) conv.KeptFilters = new Kernels.PackedFilters();
        // And their Gemms (classifiers) keep B in panels.
        foreach (var gemm in session.operators.OfType<Gemm>())
            if (optimized.Model.Initializers.ContainsKey(gemm.Node.Inputs[1])) gemm.KeptPanels = new Kernels.PackedFilters();
        // Values the optimizer keeps channels last: their writers and readers are Conv, MaxPool, Concat, Add and Mul
        // nodes, and GlobalAveragePools that read them.
        foreach (var op in session.operators)
            switch (op)
            {
                case Conv conv:
                    conv.InputChannelsLast = optimized.ChannelsLast.Contains(conv.Node.Inputs[0]);
                    conv.OutputChannelsLast = optimized.ChannelsLast.Contains(conv.Node.Outputs[0]);
                    // Its output tensor is then its Concat's (the plans share the buffer): it writes its channels there.
                    if (optimized.WrittenIntoConcats.TryGetValue(conv.Node.Outputs[0], out var slice)) conv.OutputChannelOffset = slice.Offset;
                    break;
                case Pool pool:
                    pool.ChannelsLast = optimized.ChannelsLast.Contains(pool.Node.OpType == "GlobalAveragePool" ? pool.Node.Inputs[0] : pool.Node.Outputs[0]);
                    break;
                case Binary binary:
                    binary.ChannelsLast = optimized.ChannelsLast.Contains(binary.Node.Outputs[0]);
                    break;
                case Concat concat:
                    concat.ChannelsLast = optimized.ChannelsLast.Contains(concat.Node.Outputs[0]);
                    concat.Assembled = writtenInto.ContainsValue(concat.Node.Outputs[0]);
                    break;
            }
        return session;
    }

    /// <summary>What Optimized rewrote (null for a session over the graph as stored).</summary>
    public OptimizedModel? Optimization { get; private init; }

    private InferenceSession(Model model, IReadOnlyDictionary<Node, Kernels.Activation> epilogues, IReadOnlyDictionary<Node, ResidualAdd>? residuals = null,
        IReadOnlyDictionary<Node, int>? concatParts = null, IReadOnlyDictionary<string, string>? writtenInto = null)
    {
        Model = model;
        this.writtenInto = writtenInto;
        ModelChecks.Validate(model);
        operators = new Operator[model.Nodes.Count];
        for (int i = 0; i < operators.Length; i++)
        {
            var node = model.Nodes[i];
            long opset = model.Opsets.TryGetValue(node.Domain, out var v) ? v : model.Opset;
            try
            {
                if (residuals is not null && residuals.TryGetValue(node, out var residual))
                {
                    // A Conv that fused a residual Add: its fourth input is the Add's other operand.
                    var conv = new Conv(node, opset) { Residual = residual };
                    operators[i] = conv;
                }
                else if (concatParts is not null && concatParts.TryGetValue(node, out int parts))
                    operators[i] = new BatchNormalization(node, opset) { Parts = parts }; // it reads a Concat's inputs
                else operators[i] = OperatorRegistry.Create(node, opset);
                if (epilogues.TryGetValue(node, out var epilogue))
                {
                    if (operators[i] is Conv conv) conv.Epilogue = epilogue;
                    else if (operators[i] is Gemm gemm) gemm.Epilogue = epilogue;
                    else if (operators[i] is BatchNormalization normalization) normalization.Epilogue = epilogue;
                    else if (operators[i] is Binary binary) binary.Epilogue = epilogue;
                }
            }
            catch (Exception e) when (e is OverflowException or InvalidCastException or ArgumentException or FormatException and not OnnxFormatException)
            {
                // Operators parse attributes in their constructors; a value out of range there is the model's fault.
                throw new ModelException(ModelErrorCode.InvalidAttribute, $"{node} (opset {opset}): invalid attribute: {e.Message}", e);
            }
        }
        foreach (var input in model.RequiredInputs)
        {
            if (input.Shape is null)
                throw new ModelException(ModelErrorCode.InvalidGraph, $"graph input '{input.Name}' declares no shape; re-export the model with input shapes");
            if (!input.Type.IsSupported())
                throw new ModelException(ModelErrorCode.UnsupportedDataType, $"graph input '{input.Name}' has unsupported type {input.Type}");
        }
        // Validate everything once, at load.
        DefaultPlan = GetPlan(model.RequiredInputs.ToDictionary(i => i.Name, i => (i.Type, i.Shape!.Select(d => d < 0 ? 1 : d).ToArray())));
    }

    public Model Model { get; }

    /// <summary>The plan for batch size 1 (symbolic dimensions at 1) built at load.</summary>
    public ExecutionPlan DefaultPlan { get; }

    public ValueInfo[] Inputs => Model.RequiredInputs.ToArray();

    /// <summary>A plan for these input shapes, keeping the named values (or all) retrievable after a run.</summary>
    public ExecutionPlan GetPlan(IReadOnlyDictionary<string, (DataType Type, int[] Shape)> inputs, IEnumerable<string>? keep = null, bool keepAll = false)
    {
        var keepSet = new SortedSet<string>(keep ?? [], StringComparer.Ordinal);
        string key = string.Join(";", inputs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value.Type}{ShapeUtil.Format(p.Value.Shape)}"))
            + "|" + (keepAll ? "*" : string.Join(",", keepSet));
        if (!plans.TryGetValue(key, out var plan))
        {
            foreach (var input in Model.RequiredInputs)
                if (inputs.TryGetValue(input.Name, out var given)) CheckInput(input, given.Type, given.Shape);
            plan = Planner.Build(Model, operators, inputs, keepSet, keepAll, writtenInto);
            plans[key] = plan;
        }
        return plan;
    }

    /// <summary>The plan for these input tensors, with the inputs bound.</summary>
    public ExecutionPlan Bind(IReadOnlyDictionary<string, Tensor> inputs, IEnumerable<string>? keep = null, bool keepAll = false)
    {
        foreach (var name in inputs.Keys)
            if (!Model.RequiredInputs.Any(i => i.Name == name))
                throw new ModelException(ModelErrorCode.InputMismatch, $"the model has no input named '{name}'; its inputs are {string.Join(", ", Model.RequiredInputs.Select(i => $"'{i.Name}'"))}");
        var plan = GetPlan(inputs.ToDictionary(p => p.Key, p => (p.Value.Type, p.Value.Shape)), keep, keepAll);
        for (int i = 0; i < plan.InputIds.Length; i++) plan.SetInput(i, inputs[plan.Names[plan.InputIds[i]]]);
        return plan;
    }

    /// <summary>Runs the model; returns copies of the graph outputs (and of the named intermediate values).</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, IEnumerable<string>? values = null, IOutputObserver? observer = null)
    {
        var extra = values?.ToArray() ?? [];
        var plan = Bind(inputs, extra);
        plan.Run(observer);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (int id in plan.OutputIds) result[plan.Names[id]] = plan.Values[id]!.Clone();
        foreach (var name in extra) result[name] = plan.Get(name).Clone();
        return result;
    }

    /// <summary>Runs a single-input model and returns its first output (the common classifier case).</summary>
    public Tensor Run(Tensor input)
    {
        var only = Model.RequiredInputs.ToArray();
        if (only.Length != 1)
            throw new ModelException(ModelErrorCode.InputMismatch, $"the model has {only.Length} inputs; name each one");
        return Run(new Dictionary<string, Tensor> { [only[0].Name] = input })[Model.Outputs[0].Name];
    }

    private static void CheckInput(ValueInfo declared, DataType type, int[] shape)
    {
        string expected = $"{declared.Type.Name()}{declared.ShapeText}";
        if (declared.Type != DataType.Undefined && declared.Type != type)
            throw new ModelException(ModelErrorCode.InputMismatch, $"input '{declared.Name}': expected {expected}, got {type.Name()}{ShapeUtil.Format(shape)}");
        if (declared.Shape is { } dims)
        {
            bool ok = dims.Length == shape.Length;
            for (int i = 0; ok && i < dims.Length; i++) ok = dims[i] < 0 || dims[i] == shape[i];
            if (!ok)
                throw new ModelException(ModelErrorCode.InputMismatch, $"input '{declared.Name}': expected {expected}, got {type.Name()}{ShapeUtil.Format(shape)}");
        }
    }
}
