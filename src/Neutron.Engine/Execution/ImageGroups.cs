// A batch run as groups of images, each thread with its own: the batch is cut into groups of consecutive images, and
// each thread takes the next group not yet taken and runs it through a session of its own, its operators on its own
// thread. A group's values then stay in that core's caches from one operator to the next, and no operator waits for
// the other threads at its end. Sharing every operator's items between the threads instead, the batch's values pass
// through memory between operators (ResNet-20's first stage holds 12.8 MB per value at batch 256). Groups are taken
// as threads come free, so a thread the machine slows down takes fewer.
// Legal only when each image's outputs depend on that image alone (Separable). Each output element's arithmetic does
// not depend on the batch or on the thread (the kernels sum per element), so the outputs are the bits of one run
// over the whole batch (ImageGroupsTests).
using Neutron.Engine.Graph;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

public sealed class ImageGroups
{
    /// <summary>Fewest images per group while the batch gives each thread that many: fewer would read each layer's
    /// weights once per few images.</summary>
    public const int MinGroup = 8;

    /// <summary>Most bytes of a group's largest value, past MinGroup: about what a core's L2 holds.</summary>
    public const long GroupBytes = 1 << 20;

    private readonly Slot[] slots;
    private readonly (int From, int Count)[] groups;
    private readonly Tensor[] inputs;
    private readonly Tensor[] outputs;
    private int next;

    private ImageGroups(Slot[] slots, (int, int)[] groups, Tensor[] inputs, Dictionary<string, Tensor> outputs)
    {
        this.slots = slots;
        this.groups = groups;
        this.inputs = inputs;
        Outputs = outputs;
        this.outputs = slots[0].OutputNames.Select(name => outputs[name]).ToArray();
    }

    /// <summary>The graph outputs of the last Run, whole batch, by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Outputs { get; }

    /// <summary>Threads that take groups.</summary>
    public int Threads => slots.Length;

    /// <summary>Most images in a group.</summary>
    public int Group => groups.Max(g => g.Count);

    /// <summary>
    /// Groups for running these inputs (every one batched along its first axis, the same batch) on `threads`
    /// threads, each with a session from newSession (called in turn, on this thread); null when they would not pay or not be legal: one thread, a
    /// batch smaller than two per thread, an input that is not a float tensor with the batch first, or a graph whose
    /// images meet (Separable).
    /// </summary>
    public static ImageGroups? TryCreate(Func<InferenceSession> newSession, IReadOnlyDictionary<string, Tensor> batch, int threads)
    {
        if (threads < 2 || batch.Count == 0) return null;
        int n = batch.Values.First().Shape is { Length: > 0 } s ? s[0] : 0;
        if (n < 2 * threads || batch.Values.Any(t => !t.IsFloating || t.Rank == 0 || t.Shape[0] != n)) return null;
        var first = newSession();
        if (!Separable(first, batch)) return null;

        int share = n / threads;
        long perImage = LargestValuePerImage(first.GetPlan(Shapes(batch, 2)), 2); // the plan Separable built
        int group = share <= MinGroup ? share : (int)Math.Clamp(GroupBytes / Math.Max(1, perImage), MinGroup, share);
        int count = (n + group - 1) / group;
        var groups = new (int, int)[count];
        for (int g = 0; g < count; g++)
        {
            int from = (int)((long)n * g / count);
            groups[g] = (from, (int)((long)n * (g + 1) / count) - from);
        }
        var names = batch.Keys.ToArray();
        var sizes = groups.Select(g => g.Item2).Distinct().ToArray();
        var slots = new Slot[threads];
        for (int t = 0; t < threads; t++) slots[t] = new Slot(t == 0 ? first : newSession(), names, batch, sizes);
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var sample = slots[0].Plans[sizes[0]].Plan;
        foreach (int id in sample.OutputIds)
        {
            var shape = sample.Types[id].Shape.ToArray();
            shape[0] = n;
            outputs[sample.Names[id]] = Tensor.Zeros(sample.Types[id].Type, shape);
        }
        return new ImageGroups(slots, groups, names.Select(k => batch[k]).ToArray(), outputs);
    }

    /// <summary>Runs every group; Outputs then hold the batch's outputs.</summary>
    public void Run()
    {
        next = 0;
        Parallelism.For(slots.Length, long.MaxValue / slots.Length, t =>
        {
            using var single = Parallelism.LimitThisThread(1);
            for (int g; (g = Interlocked.Increment(ref next) - 1) < groups.Length;)
                slots[t].Run(groups[g].From, groups[g].Count, inputs, outputs);
        });
    }

    /// <summary>
    /// Whether each image's outputs depend on that image alone, checked on plans for two small batches (so a value
    /// whose first axis only happens to equal the batch shows): every output and every value computed from the images
    /// is a float tensor with the images on its first axis; every node that reads one is of a kind that keeps each
    /// image's rows apart (element-wise, convolutions, pooling, normalisation per image, products with a constant,
    /// reductions and reshapes that keep the first axis); and every value folded at load that differs between the two
    /// batches (computed from the batch's shape: ShuffleNet's channel shuffle) is only a Reshape's target shape.
    /// A Softmax, Concat, Split or Transpose across the first axis, or any other kind of node, makes it false.
    /// </summary>
    public static bool Separable(InferenceSession session, IReadOnlyDictionary<string, Tensor> batch)
    {
        ExecutionPlan two, three;
        try
        {
            two = session.GetPlan(Shapes(batch, 2));
            three = session.GetPlan(Shapes(batch, 3));
        }
        catch (ModelException)
        {
            return false; // a graph that holds only its own batch size
        }
        return KeepsImagesApart(two, 2) && KeepsImagesApart(three, 3) && SizesOnlyReshape(two, three);
    }

    private static bool KeepsImagesApart(ExecutionPlan plan, int b)
    {
        // batched: computed from the images. Shape and Size read them but give constants (their values are known at
        // load), which SizesOnlyReshape checks where they are read.
        var batched = new bool[plan.Values.Length];
        foreach (int id in plan.InputIds) batched[id] = true;
        foreach (var node in plan.Nodes)
        {
            if (node.OpType is "Shape" or "Size" || !node.InputIds.Any(id => id >= 0 && batched[id])) continue;
            if (!KeepsImagesApart(node, plan)) return false;
            foreach (int id in node.OutputIds) if (id >= 0) batched[id] = true;
        }
        // An output that does not come from the images (a constant) has no rows to share out.
        if (plan.OutputIds.Any(id => !batched[id])) return false;
        for (int id = 0; id < batched.Length; id++)
        {
            if (!batched[id]) continue;
            var t = plan.Types[id];
            if (!t.Type.IsFloating() || t.Shape.Length == 0 || t.Shape[0] != b) return false;
        }
        return true;
    }

    // The values the two plans folded at load to different constants: read by nothing but a Reshape, as its target.
    private static bool SizesOnlyReshape(ExecutionPlan two, ExecutionPlan three)
    {
        foreach (var node in two.Nodes)
            for (int i = 0; i < node.InputIds.Length; i++)
            {
                int id = node.InputIds[i];
                if (id < 0 || two.Types[id].Constant is not { } a || (node.OpType == "Reshape" && i == 1)) continue;
                if (!three.TryGetId(two.Names[id], out int other) || three.Types[other].Constant is not { } b) return false;
                if (ReferenceEquals(a, b)) continue; // a stored tensor
                if (!a.Shape.AsSpan().SequenceEqual(b.Shape)) return false;
                for (int e = 0; e < a.Length; e++)
                    if (BitConverter.DoubleToInt64Bits(a.GetDouble(e)) != BitConverter.DoubleToInt64Bits(b.GetDouble(e))) return false;
            }
        return true;
    }

    private static readonly HashSet<string> PerImage = new(StringComparer.Ordinal)
    {
        // Element-wise, one input or broadcasting several (a constant operand of full rank with the batch's size
        // on its first axis fails the plan at the small batches).
        "Relu", "Sigmoid", "Tanh", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "LeakyRelu", "Elu",
        "HardSigmoid", "HardSwish", "Selu", "Softsign", "Softplus", "Erf", "Sign", "Round", "Celu", "PRelu", "Clip", "Identity",
        "Dropout", "Add", "Sub", "Mul", "Div", "Pow", "Sum", "Mean", "Max", "Min",
        // Per image by definition.
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization",
        "InstanceNormalization", "LRN", "DepthToSpace", "SpaceToDepth",
        // Rows of A against a constant B (the shape test catches a batched B), reshapes that keep the first axis.
        "Gemm", "MatMul", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Pad", "Resize", "Upsample", "Slice",
    };

    private static bool KeepsImagesApart(PlannedNode node, ExecutionPlan plan)
    {
        var attributes = node.Operator.Node.Attributes;
        int rank = node.OutputIds.Length > 0 && node.OutputIds[0] >= 0 ? plan.Types[node.OutputIds[0]].Shape.Length : 0;
        long Axis(long value) => value < 0 ? value + rank : value;
        return node.OpType switch
        {
            "Softmax" or "LogSoftmax" => Axis(attributes.Int("axis", node.Operator.Opset < 13 ? 1 : -1)) != 0,
            "Concat" or "Split" => Axis(attributes.Int("axis", 0)) != 0,
            "Transpose" => attributes.Ints("perm") is { Length: > 0 } perm && perm[0] == 0,
            "Gemm" => attributes.Int("transA", 0) == 0,
            _ when node.OpType.StartsWith("Reduce", StringComparison.Ordinal) => ReducesWithinImages(node, plan),
            _ => PerImage.Contains(node.OpType),
        };
    }

    // A Reduce* over named axes (an attribute, or ReduceSum's constant second input), none of them the first: no
    // axes at all reduces over every axis, the images' too.
    private static bool ReducesWithinImages(PlannedNode node, ExecutionPlan plan)
    {
        int rank = plan.Types[node.InputIds[0]].Shape.Length;
        long[]? axes = node.Operator.Node.Attributes.Ints("axes");
        if (axes is null && node.InputIds.Length > 1 && node.InputIds[1] >= 0 && plan.Types[node.InputIds[1]].Constant is { } given)
            axes = Enumerable.Range(0, given.Length).Select(i => (long)given.GetDouble(i)).ToArray();
        return axes is { Length: > 0 } && axes.All(a => (a < 0 ? a + rank : a) != 0);
    }

    private static Dictionary<string, (DataType, int[])> Shapes(IReadOnlyDictionary<string, Tensor> batch, int b) =>
        batch.ToDictionary(p => p.Key, p => (p.Value.Type, (int[])[b, .. p.Value.Shape.AsSpan(1)]), StringComparer.Ordinal);

    private static long LargestValuePerImage(ExecutionPlan plan, int images)
    {
        long largest = 0;
        foreach (var node in plan.Nodes)
            foreach (int id in node.OutputIds)
                if (id >= 0) largest = Math.Max(largest, 4L * ShapeUtil.Size(plan.Types[id].Shape));
        return largest / images;
    }

    /// <summary>One thread's session, with a plan bound to input tensors of its own for each group size.</summary>
    private sealed class Slot
    {
        public Slot(InferenceSession session, string[] names, IReadOnlyDictionary<string, Tensor> batch, int[] sizes)
        {
            foreach (int size in sizes)
            {
                var tensors = names.ToDictionary(k => k, k => Tensor.AlignedZeros(batch[k].Type, [size, .. batch[k].Shape.AsSpan(1)]), StringComparer.Ordinal);
                Plans[size] = (session.Bind(tensors), names.Select(k => tensors[k]).ToArray());
            }
            var plan = Plans[sizes[0]].Plan;
            OutputNames = plan.OutputIds.Select(id => plan.Names[id]).ToArray();
        }

        public Dictionary<int, (ExecutionPlan Plan, Tensor[] Inputs)> Plans { get; } = [];

        public string[] OutputNames { get; }

        /// <summary>Images [at, at + count) of the batch: inputs copied in, the plan run, outputs copied out.</summary>
        public void Run(int at, int count, Tensor[] inputs, Tensor[] outputs)
        {
            var (plan, mine) = Plans[count];
            for (int i = 0; i < inputs.Length; i++)
            {
                int row = inputs[i].Length / inputs[i].Shape[0];
                inputs[i].Floats.Slice(at * row, count * row).CopyTo(mine[i].Floats);
            }
            plan.Run();
            for (int o = 0; o < outputs.Length; o++)
            {
                var value = plan.Values[plan.OutputIds[o]]!;
                int row = value.Length / count;
                value.Floats.CopyTo(outputs[o].Floats.Slice(at * row, count * row));
            }
        }
    }
}
