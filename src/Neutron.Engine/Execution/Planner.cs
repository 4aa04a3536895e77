// Builds an ExecutionPlan: orders nodes topologically, infers every value's type and shape for the given input
// shapes, folds nodes whose inputs are all constant (shape arithmetic), and assigns buffers by liveness.
// Every check a model can fail happens here, at load, so a long campaign never fails half way.
using Neutron.Engine.Graph;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;


namespace Neutron.Engine.Execution;

internal static class Planner
{
    /// <summary>writtenInto names values whose producer writes them straight into part of another value's buffer (an
    /// optimised session's Concat parts): they get that value's tensor, and cannot be kept apart.</summary>
    public static ExecutionPlan Build(Model model, Operator[] operators, IReadOnlyDictionary<string, (DataType Type, int[] Shape)> inputs,
        ISet<string> keep, bool keepAll, IReadOnlyDictionary<string, string>? writtenInto = null)
    {
        var names = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int Intern(string name)
        {
            if (!ids.TryGetValue(name, out int id))
            {
                id = names.Count;
                ids[name] = id;
                names.Add(name);
            }
            return id;
        }

        var types = new Dictionary<int, TensorType>();
        foreach (var (name, tensor) in model.Initializers)
            types[Intern(name)] = new TensorType(tensor.Type, tensor.Shape) { Constant = tensor };

        var budget = new Budget();
        var inputIds = new List<int>();
        foreach (var input in model.RequiredInputs)
        {
            if (!inputs.TryGetValue(input.Name, out var given))
                throw new ModelException(ModelErrorCode.InputMismatch, $"graph input '{input.Name}' ({input.Type.Name()}{input.ShapeText}) was not given");
            CheckSize(given.Shape, $"graph input '{input.Name}'");
            int id = Intern(input.Name);
            inputIds.Add(id);
            types[id] = new TensorType(given.Type, given.Shape);
        }

        var order = TopologicalOrder(model, ids);
        var planned = new List<PlannedNode>();
        var producers = new Dictionary<int, int>();
        foreach (int n in order)
        {
            var node = model.Nodes[n];
            var op = operators[n];
            var inputTypes = new TensorType?[node.Inputs.Length];
            var inIds = new int[node.Inputs.Length];
            for (int i = 0; i < inIds.Length; i++)
            {
                if (node.Inputs[i].Length == 0) { inIds[i] = -1; continue; }
                inIds[i] = ids[node.Inputs[i]];
                inputTypes[i] = types[inIds[i]];
            }
            if (OperatorCatalog.FloatInputsOnly.Contains(node.OpType))
                for (int i = 0; i < inputTypes.Length; i++)
                    if (inputTypes[i] is { } t && !t.Type.IsFloating())
                        throw new ModelException(ModelErrorCode.UnsupportedDataType,
                            $"{node} (opset {op.Opset}): input {i} '{node.Inputs[i]}' is {t}; {node.OpType} takes float inputs only");
            TensorType[] outTypes;
            try
            {
                outTypes = op.Infer(inputTypes);
            }
            catch (Exception e) when (e is not ModelException)
            {
                throw new ModelException(ModelErrorCode.InvalidGraph, $"{node} (opset {op.Opset}): inputs {string.Join(", ", inputTypes.Select(t => t?.ToString() ?? "none"))} are inconsistent: {e.Message}", e);
            }
            if (outTypes.Length < node.Outputs.Length)
                throw new ModelException(ModelErrorCode.InvalidGraph, $"{node}: has {node.Outputs.Length} outputs, {node.OpType} produces {outTypes.Length}");
            for (int o = 0; o < outTypes.Length; o++)
                CheckSize(outTypes[o].Shape, $"{node} (opset {op.Opset}) output {o}");

            var outIds = new int[node.Outputs.Length];
            for (int o = 0; o < outIds.Length; o++)
            {
                if (node.Outputs[o].Length == 0) { outIds[o] = -1; continue; }
                if (ids.ContainsKey(node.Outputs[o]) && types.ContainsKey(ids[node.Outputs[o]]))
                    throw new ModelException(ModelErrorCode.InvalidGraph, $"{node}: output '{node.Outputs[o]}' is already produced elsewhere in the graph");
                outIds[o] = Intern(node.Outputs[o]);
            }

            bool foldable = inIds.All(id => id < 0 || types[id].Constant is not null) && inIds.Any(id => id >= 0);
            if (foldable)
            {
                var ins = inIds.Select(id => id < 0 ? null : types[id].Constant).ToArray();
                foreach (var t in outTypes) budget.Take(t, $"{node} (opset {op.Opset}), folded at load");
                var outs = outTypes.Select(t => Tensor.Zeros(t.Type, t.Shape)).ToArray();
                try { op.Run(ins, outs); }
                catch (Exception e) when (e is not ModelException)
                {
                    throw new ModelException(ModelErrorCode.InvalidGraph, $"{node}: failed on constant inputs at load: {e.Message}", e);
                }
                for (int o = 0; o < outIds.Length; o++)
                    if (outIds[o] >= 0) types[outIds[o]] = outTypes[o] with { Constant = outs[o] };
                continue;
            }
            // Unused optional outputs still get a buffer so operators can write them unconditionally.
            var realOutIds = new int[outTypes.Length];
            for (int o = 0; o < outTypes.Length; o++)
            {
                realOutIds[o] = o < outIds.Length && outIds[o] >= 0 ? outIds[o] : Intern($"\u0000unused:{node.Name}:{o}");
                types[realOutIds[o]] = outTypes[o];
                producers[realOutIds[o]] = planned.Count;
            }
            planned.Add(new PlannedNode(planned.Count, op, inIds, realOutIds));
        }

        var outputIds = new List<int>();
        foreach (var output in model.Outputs)
        {
            if (!ids.TryGetValue(output.Name, out int id) || !types.ContainsKey(id))
                throw new ModelException(ModelErrorCode.InvalidGraph, $"graph output '{output.Name}' is produced by no node, initializer or input");
            outputIds.Add(id);
        }

        var keepIds = new HashSet<int>(outputIds);
        foreach (var name in keep)
        {
            if (!ids.TryGetValue(name, out int id))
                throw new ModelException(ModelErrorCode.MissingValue, $"value '{name}' does not exist in the graph; `neutron inspect --values` lists them");
            keepIds.Add(id);
        }

        int count = names.Count;
        var values = new Tensor?[count];
        var typeArray = new TensorType[count];
        var producerArray = Enumerable.Repeat(-1, count).ToArray();
        for (int id = 0; id < count; id++)
        {
            typeArray[id] = types.TryGetValue(id, out var t) ? t : new TensorType(DataType.Undefined, []);
            if (t?.Constant is { } c) values[id] = c;
            if (producers.TryGetValue(id, out int p)) producerArray[id] = p;
        }
        var into = new Dictionary<int, int>();
        foreach (var (part, whole) in writtenInto ?? new Dictionary<string, string>())
        {
            if (!ids.TryGetValue(part, out int partId) || !ids.TryGetValue(whole, out int wholeId)) continue;
            if (keepAll || keepIds.Contains(partId))
                throw new ModelException(ModelErrorCode.MissingValue,
                    $"value '{part}' is written straight into '{whole}' in an optimised session and cannot be read apart; read it from a session over the graph as stored");
            into[partId] = wholeId;
        }
        AssignBuffers(planned, values, typeArray, keepIds, keepAll, budget, into);
        return new ExecutionPlan([.. names], values, typeArray, [.. planned], [.. inputIds], [.. outputIds], producerArray);
    }

    private static List<int> TopologicalOrder(Model model, Dictionary<string, int> known)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 0; n < model.Nodes.Count; n++)
            foreach (var o in model.Nodes[n].Outputs)
                if (o.Length > 0 && !producer.TryAdd(o, n))
                    throw new ModelException(ModelErrorCode.InvalidGraph, $"value '{o}' is produced by both {model.Nodes[producer[o]]} and {model.Nodes[n]}");

        var state = new byte[model.Nodes.Count]; // 0 new, 1 visiting, 2 done
        var order = new List<int>(model.Nodes.Count);
        var stack = new Stack<(int Node, int NextInput)>();
        for (int start = 0; start < model.Nodes.Count; start++)
        {
            if (state[start] != 0) continue;
            stack.Push((start, 0));
            state[start] = 1;
            while (stack.Count > 0)
            {
                var (n, next) = stack.Pop();
                var inputs = model.Nodes[n].Inputs;
                if (next < inputs.Length)
                {
                    stack.Push((n, next + 1));
                    string name = inputs[next];
                    if (name.Length == 0 || known.ContainsKey(name)) continue;
                    if (!producer.TryGetValue(name, out int p))
                        throw new ModelException(ModelErrorCode.InvalidGraph, $"{model.Nodes[n]}: input '{name}' is produced by no node, initializer or graph input");
                    if (state[p] == 1)
                        throw new ModelException(ModelErrorCode.InvalidGraph, $"{model.Nodes[n]}: the graph has a cycle through '{name}'");
                    if (state[p] == 0)
                    {
                        state[p] = 1;
                        stack.Push((p, 0));
                    }
                    continue;
                }
                state[n] = 2;
                order.Add(n);
            }
        }
        return order;
    }

    // EngineLimits.MaxElements per tensor; a shape past it is refused before anything is allocated.
    private static void CheckSize(int[] shape, string what)
    {
        foreach (int d in shape)
            if (d < 0) throw new ModelException(ModelErrorCode.InvalidGraph, $"{what} has shape {ShapeUtil.Format(shape)} with a negative dimension");
        long elements = EngineLimits.Elements(shape);
        if (elements > EngineLimits.MaxElements)
            throw new ModelException(ModelErrorCode.InvalidGraph,
                $"{what} would have shape {ShapeUtil.Format(shape)}, more than {EngineLimits.MaxElements} elements, the most one tensor may hold (docs/operators.md, Limits)");
    }

    // Bytes the plan allocates (tensors hold float32 or int64), refused past EngineLimits.PlanBudgetBytes.
    private sealed class Budget
    {
        private readonly long limit = EngineLimits.PlanBudgetBytes;
        private long used;

        public void Take(TensorType t, string what)
        {
            long bytes = EngineLimits.Elements(t.Shape) * (t.Type.IsFloating() ? sizeof(float) : sizeof(long));
            used += bytes;
            if (used > limit)
                throw new ModelException(ModelErrorCode.InvalidGraph,
                    $"{what} ({t}) takes the plan to {EngineLimits.Bytes(used)}, past the budget of {EngineLimits.Bytes(limit)} (docs/operators.md, Limits); use a smaller batch or input");
        }
    }

    // Greedy interval allocation: a node's outputs take a free buffer whose last reader ran before the node. An output
    // written into another value (into) takes that value's tensor, which is allocated by the first of its writers and
    // lives until its own last reader.
    private static void AssignBuffers(List<PlannedNode> nodes, Tensor?[] values, TensorType[] types, HashSet<int> keep, bool keepAll, Budget budget,
        Dictionary<int, int> into)
    {
        var lastUse = new int[values.Length];
        Array.Fill(lastUse, -1);
        foreach (var node in nodes)
            foreach (int id in node.InputIds)
                if (id >= 0) lastUse[id] = Math.Max(lastUse[id], node.Index);

        var free = new List<(bool Floating, int Size, Tensor Buffer)>();
        var release = new Dictionary<int, List<int>>();
        void Allocate(int id, PlannedNode node)
        {
            var t = types[id];
            int size = ShapeUtil.Size(t.Shape);
            bool shared = !keepAll && !keep.Contains(id);
            Tensor? buffer = null;
            if (shared)
            {
                int best = -1;
                for (int i = 0; i < free.Count; i++)
                    if (free[i].Floating == t.Type.IsFloating() && (best < 0 || Math.Abs(free[i].Size - size) < Math.Abs(free[best].Size - size)))
                        best = i;
                if (best >= 0)
                {
                    buffer = free[best].Buffer;
                    free.RemoveAt(best);
                }
            }
            if (buffer is null) budget.Take(t, $"the output of {node.Operator.Node}");
            values[id] = buffer is null ? Tensor.AlignedZeros(t.Type, t.Shape) : buffer.Reuse(t.Type, t.Shape);
            if (shared)
            {
                int end = Math.Max(lastUse[id], node.Index);
                if (!release.TryGetValue(end, out var list)) release[end] = list = [];
                list.Add(id);
            }
        }
        foreach (var node in nodes)
        {
            foreach (int id in node.OutputIds)
                if (into.TryGetValue(id, out int whole))
                {
                    if (values[whole] is null) Allocate(whole, node);
                    values[id] = values[whole];
                }
                else if (values[id] is null) Allocate(id, node); // a value written into by earlier parts has its tensor
            // Buffers whose last reader is this node become free for the next node's outputs.
            if (release.TryGetValue(node.Index, out var done))
                foreach (int id in done)
                    free.Add((types[id].Type.IsFloating(), ShapeUtil.Size(types[id].Shape), values[id]!));
        }
    }
}
