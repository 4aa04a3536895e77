// One worker of the accelerated runner (DESIGN §5): per image chunk, only the work a fault can change runs, and
// only on the images it still perturbs; everything else reads the golden cache.
// - An activation fault changes its element in each image's golden row directly (no node re-runs); images where
//   the changed word decodes to the same bits are golden from the start. Its images walk the network in small
//   groups (RunnerOptions.WalkImages), each group through every node before the next.
// - A weight fault in a Conv/Gemm/MatMul recomputes the one output channel it reaches (WeightDelta); in any other
//   consumer, that node re-runs on every image.
// - Downstream, a node runs when an input is perturbed for some images, on those images only, gathered into the
//   smallest RowPlans batch that holds them; rows that come out bit-equal to golden are dropped (early masking).
// - When only outcomes are wanted, an image is also dropped as soon as MarginBound proves, from the one value that
//   still carries the fault, that its top-1 cannot change (FP32; its row then reads golden's logits;
//   ConeWorker.Proofs.cs).
// - In FP32, a node whose perturbed inputs differ from golden only inside a box of their image planes recomputes
//   only what that box reaches (ConeWorker.Regions.cs).
// Results are bit-identical to Worker (the `--plain` oracle), which AcceleratedEquivalenceTests check fault by fault.
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;

namespace Neutron.Faults.Running;

internal sealed partial class ConeWorker : IFaultWorker
{
    private readonly Model model;
    private readonly InjectionObserver observer;
    private readonly StoredWeights weights;
    private readonly IReadOnlyDictionary<string, TensorEncoding> activationEncodings;
    private readonly bool quantize;
    // Images an activation fault walks at a time (RunnerOptions.WalkImages).
    private readonly int walkImages;
    private readonly Model original;
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly RowPlans rowPlans;
    // Rows hold up to a whole chunk of images: sized by Use for the largest chunk of the cache being read.
    private RowPool pool = new(0);
    // Convolutions recomputed over the box their perturbed input changed; null when the box paths are off (not
    // fp32, or no such convolution), and then rows of image planes carry no boxes either.
    private readonly ConvRegions? regions;
    private GoldenCache? golden;
    private ChunkGraph[] chunks = [];
    // The plain worker for the rare fault the cone walk cannot follow (see Reachable), over the same images.
    private Worker? plain;
    private PerturbedRows?[] perturbed = [];
    // The nodes that read the fault's weight (none for an activation fault): they run on their own, never in a tail.
    private int[] forcedNodes = [];
    private Tensor?[] borrowedScratch = [];

    // A chunk's plan (for ids, order and shapes), its golden values by id, and what the cone walk needs per value.
    // Carries[k]: node k writes a value computed from the images that something reads (a batched value). Only those
    // nodes can pass a fault on; the others (Shape and Size, whose outputs are known at load, or nodes whose outputs
    // nothing reads) have no golden output cached, and the walk skips them. LastUse counts carrying readers only.
    private sealed record ChunkGraph(int Start, int Count, ExecutionPlan Plan, Tensor?[] Gold, int[] Widths,
        bool[] Batched, bool[] Carries, int[] LastUse, int[][] Consumers, ElementwiseTail[] Tails, MarginBound? Bound, MarginBound.Site?[] Sites);

    /// <summary>Tests: each image a bound proved unchanged, with its bounds on the logits' changes.</summary>
    public Action<Fault, int, double[]>? ProofObserver { get; init; }

    /// <summary>Where the walk spends its time per node, when switched on (`bench campaign --breakdown`).</summary>
    public WalkProfile? Profile { get; init; }

    public ConeWorker(Model original, StoredWeights weights, InjectionObserver observer, GoldenCache golden,
        IReadOnlyDictionary<string, TensorEncoding> activationEncodings, bool quantize, int walkImages)
    {
        this.walkImages = walkImages;
        this.original = original;
        this.weights = weights;
        this.observer = observer;
        this.activationEncodings = activationEncodings;
        this.quantize = quantize;
        model = weights.CopyModel(original);
        session = new InferenceSession(model);
        inputName = model.RequiredInputs.Single().Name;
        var first = golden.Chunks[0].Images;
        rowPlans = new RowPlans(session, inputName, first.Shape[1..], observer);
        Use(golden);
        // Built before any fault is injected, so from the golden filters.
        if (!quantize && new ConvRegions(chunks[0].Plan, chunks[0].Batched) is { Any: true } layers) regions = layers;
    }

    /// <summary>Reads this golden cache from now on (the runner switches caches when images come in groups).</summary>
    public void Use(GoldenCache golden)
    {
        if (ReferenceEquals(golden, this.golden)) return;
        this.golden = golden;
        plain = null;
        // Another group's cache may cut larger chunks than the one this worker started on.
        int largest = golden.Chunks.Max(c => c.Images.Shape[0]);
        if (largest > pool.Rows) pool = new RowPool(largest);
        chunks = new ChunkGraph[golden.Chunks.Count];
        for (int c = 0; c < chunks.Length; c++)
        {
            var (start, images) = golden.Chunks[c];
            var plan = session.GetPlan(new Dictionary<string, (DataType, int[])>(1) { [inputName] = (images.Type, images.Shape) });
            chunks[c] = Describe(start, images.Shape[0], plan, golden.Chunk(c), golden.Names, golden.Bounds[c]);
        }
    }

    /// <summary>Lets go of the golden cache until the next Use, so a cache the runner dropped can be collected.</summary>
    public void Release()
    {
        golden = null;
        chunks = [];
        plain = null;
    }

    private static ChunkGraph Describe(int start, int count, ExecutionPlan plan, Tensor?[] goldById, string[] goldNames, MarginBound? bound)
    {
        var goldIds = new Dictionary<string, int>(goldNames.Length, StringComparer.Ordinal);
        for (int id = 0; id < goldNames.Length; id++) goldIds[goldNames[id]] = id;
        int values = plan.Values.Length;
        var gold = new Tensor?[values];
        var widths = new int[values];
        var lastUse = new int[values];
        var consumers = new List<int>[values];
        var batched = RowPlans.Batched(plan);
        var sites = new MarginBound.Site?[values];
        for (int id = 0; id < values; id++)
        {
            consumers[id] = [];
            lastUse[id] = -1;
            if (!batched[id]) continue;
            gold[id] = goldById[goldIds[plan.Names[id]]];
            widths[id] = gold[id]!.Length / count;
            sites[id] = bound?.For(plan.Names[id]);
        }
        var carries = new bool[plan.Nodes.Length];
        foreach (var node in plan.Nodes)
        {
            carries[node.Index] = node.OutputIds.Any(id => id >= 0 && batched[id]);
            foreach (int id in node.InputIds)
                if (id >= 0)
                {
                    if (carries[node.Index]) lastUse[id] = node.Index;
                    if (consumers[id].Count == 0 || consumers[id][^1] != node.Index) consumers[id].Add(node.Index);
                }
        }
        foreach (int id in plan.OutputIds) lastUse[id] = int.MaxValue;
        var readers = consumers.Select(l => l.ToArray()).ToArray();
        var tails = plan.Nodes.Select(node => ElementwiseTail.After(plan, node, batched, readers)).ToArray();
        return new ChunkGraph(start, count, plan, gold, widths, batched, carries, lastUse, readers, tails, bound, sites);
    }

    public void Run(Fault? fault, Action<int, ReadOnlySpan<float>> onRow, Action<int, int>? onGolden = null)
    {
        if (fault is not null && !Reachable(fault))
        {
            (plain ??= new Worker(original, weights, observer, golden!.Chunks)).Run(fault, onRow);
            return;
        }
        weights.Inject(model, fault);
        try
        {
            foreach (var chunk in chunks)
            {
                // A weight fault walks whole chunks: the nodes that read the weight run over every image.
                int step = fault is { Target: FaultTarget.Activation } ? walkImages : chunk.Count;
                for (int from = 0; from < chunk.Count; from += step)
                    RunImages(chunk, fault, from, Math.Min(chunk.Count, from + step), onRow, onGolden);
            }
        }
        finally
        {
            weights.Restore(model, fault);
        }
    }

    // Walks images [from, to) of the chunk with the fault (null: golden; a weight fault over the whole chunk) and
    // reports each of them, the unchanged ones as golden.
    private void RunImages(ChunkGraph chunk, Fault? fault, int from, int to, Action<int, ReadOnlySpan<float>> onRow, Action<int, int>? onGolden)
    {
        var changed = fault is null ? null : RunCone(chunk, fault, onGolden is not null && chunk.Bound is not null, from, to);
        int outputId = chunk.Plan.OutputIds[0], width = chunk.Widths[outputId];
        var gold = chunk.Gold[outputId]!.Floats;
        int next = from; // the first image not yet reported
        for (int r = 0; changed is not null && r < changed.Count; r++)
        {
            int n = changed.Images[r];
            Golden(chunk, gold, width, next, n, onRow, onGolden);
            onRow(chunk.Start + n, changed.Row(r));
            next = n + 1;
        }
        Golden(chunk, gold, width, next, to, onRow, onGolden);
        if (changed is not null) pool.Return(changed);
    }

    // Reports images [from, to) of the chunk as golden: one run when only outcomes are wanted, else their rows.
    private static void Golden(ChunkGraph chunk, ReadOnlySpan<float> gold, int width, int from, int to,
        Action<int, ReadOnlySpan<float>> onRow, Action<int, int>? onGolden)
    {
        if (from >= to) return;
        if (onGolden is not null) onGolden(chunk.Start + from, to - from);
        else for (int n = from; n < to; n++) onRow(chunk.Start + n, gold.Slice(n * width, width));
    }

    // Whether the cone walk can follow the fault: an activation site computed from the images, or a weight whose
    // consumers all compute from the images (a weight folded through, say, a Transpose would change a constant).
    private bool Reachable(Fault fault)
    {
        var chunk = chunks[0];
        int id = chunk.Plan.Id(fault.Tensor);
        if (fault.Target == FaultTarget.Activation) return chunk.Batched[id];
        return chunk.Consumers[id].All(k => chunk.Plan.Nodes[k].OutputIds.All(o => o < 0 || chunk.Batched[o]));
    }

    // Walks the nodes the fault can reach over images [from, to) of one chunk (a weight fault: the whole chunk);
    // returns the perturbed rows of the logits (null: all golden).
    private PerturbedRows? RunCone(ChunkGraph chunk, Fault fault, bool prove, int from, int to)
    {
        var plan = chunk.Plan;
        if (perturbed.Length < plan.Values.Length) perturbed = new PerturbedRows?[plan.Values.Length];
        int live = 0, first;
        int[] forced = [];
        int weightId = -1;
        if (fault.Target == FaultTarget.Activation)
        {
            int id = plan.Id(fault.Tensor);
            var rows = ApplyActivation(chunk, id, fault, prove, from, to);
            if (rows is null) return null;
            perturbed[id] = rows;
            live = 1;
            first = plan.Producers[id] + 1;
        }
        else
        {
            if (from != 0 || to != chunk.Count) throw new ArgumentException("a weight fault runs over whole chunks");
            weightId = plan.Id(fault.Tensor);
            forced = chunk.Consumers[weightId];
            if (forced.Length == 0) return null;
            first = forced[0];
        }

        int outputId = plan.OutputIds[0];
        forcedNodes = forced;
        int forcedLeft = forced.Length;
        int tried = fault.Target == FaultTarget.Activation && prove ? plan.Id(fault.Tensor) : -1; // bounds already applied
        var nodes = plan.Nodes;
        for (int k = first; k < nodes.Length && (live > 0 || forcedLeft > 0); k++)
        {
            var node = nodes[k];
            long started = Profile?.Enabled == true ? Stopwatch.GetTimestamp() : 0;
            int carried = 0;
            bool isForced = forcedLeft > 0 && Array.IndexOf(forced, k) >= 0;
            if (isForced)
            {
                forcedLeft--;
                carried = chunk.Count;
                // The last use of the weight, with nothing else perturbed: bounds can drop images as the slice is made.
                bool proveSlice = prove && live == 0 && forcedLeft == 0;
                if (TryDelta(chunk, node, weightId, fault, proveSlice, ref live)) { if (proveSlice) tried = node.OutputIds[0]; }
                else live += RunRows(chunk, node, AllImages(chunk.Count));
            }
            else if (chunk.Carries[k])
            {
                var images = Union(chunk, node);
                carried = images.Length;
                if (images.Length > 0) live += RunBox(chunk, node, images) ?? RunDirtyRange(chunk, node) ?? RunRows(chunk, node, images);
            }
            foreach (int id in node.InputIds)
                if (id >= 0 && chunk.LastUse[id] == k && perturbed[id] is { } done)
                {
                    pool.Return(done);
                    perturbed[id] = null;
                    live--;
                }
            // With one value left carrying the fault (and no weight use still to come), bounds can drop images.
            if (prove && live == 1 && forcedLeft == 0) live -= Prove(chunk, fault, ref tried);
            if (started != 0) Profile!.Add(plan, k, carried, started);
        }
        var result = perturbed[outputId];
        result?.Complete(chunk.Gold[outputId]!.Floats);
        perturbed[outputId] = null;
        for (int id = 0; id < plan.Values.Length; id++)
            if (perturbed[id] is { } left)
            {
                pool.Return(left);
                perturbed[id] = null;
            }
        return result;
    }

    // The fault's element in each image's golden row, changed as Worker's observer changes it after the producer.
    // With prove, images the bounds clear are left golden. Rows of image planes hold only the element's pixel (every
    // channel's), golden's everywhere else (PerturbedRows.Sparse): copying each image's whole row cost more than the
    // box paths that read it.
    private PerturbedRows? ApplyActivation(ChunkGraph chunk, int id, Fault fault, bool prove, int from, int to)
    {
        var encoding = activationEncodings[fault.Tensor];
        int width = chunk.Widths[id];
        var gold = chunk.Gold[id]!.Floats;
        var rows = pool.Rent(width);
        int element = (int)fault.Index;
        var shape = chunk.Plan.Types[id].Shape;
        bool planes = shape.Length == 4;
        int plane = planes ? shape[2] * shape[3] : width, pixel = element % plane;
        for (int n = from; n < to; n++)
        {
            var golden = gold.Slice(n * width, width);
            float value = encoding.Decode(element, fault.Mask.Apply(encoding.Encode(element, golden[element])));
            if (BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(golden[element])) continue;
            if (prove && chunk.Sites[id] is not null && Proven(chunk, id, fault, n, element, [value], golden.Slice(element, 1))) continue;
            var row = rows.Add(n);
            if (planes)
                for (int at = pixel; at < width; at += plane) row[at] = golden[at];
            else golden.CopyTo(row);
            row[element] = value;
        }
        rows.Dirty(element, element + 1);
        if (planes) rows.HoldOnly(PlaneBox.Of(element, shape[2], shape[3]), shape[1], shape[2], shape[3]);
        if (rows.Count > 0) return rows;
        pool.Return(rows);
        return null;
    }

    private readonly WeightDelta.Scratch deltaScratch = new();

    // With prove, images the bounds clear from the new slice are left golden.
    private bool TryDelta(ChunkGraph chunk, PlannedNode node, int weightId, Fault fault, bool prove, ref int live)
    {
        if (node.OutputIds.Length != 1 || node.InputIds.Any(id => id >= 0 && perturbed[id] is not null)) return false;
        int outputId = node.OutputIds[0];
        var rows = pool.Rent(chunk.Widths[outputId]);
        var encoding = quantize ? activationEncodings.GetValueOrDefault(chunk.Plan.Names[outputId]) : null;
        WeightDelta.Unchanged? unchanged = prove && chunk.Sites[outputId] is not null
            ? (n, offset, fresh, golden) => Proven(chunk, outputId, fault, n, offset, fresh, golden)
            : null;
        // Before computing: the output's gains with the slack of the layer's input, which holds the layer's rounding.
        WeightDelta.Bounded? bounded = unchanged is not null && node.InputIds[0] >= 0 && chunk.Sites[node.InputIds[0]] is { } slackOf
            ? (n, offset, changes) => ProvenBy(chunk, chunk.Sites[outputId]!, slackOf, fault, n, offset, changes)
            : null;
        if (!WeightDelta.TryApply(node, chunk.Plan, chunk.Gold, weightId, fault.Index, weights.Value(fault.Tensor, fault.Index), encoding,
                rows, chunk.Count, deltaScratch, unchanged, bounded))
        {
            pool.Return(rows);
            return false;
        }
        if (rows.Count == 0) pool.Return(rows);
        else
        {
            perturbed[outputId] = rows;
            live++;
        }
        return true;
    }

    // Runs one node on the given images (ascending) and keeps the output rows that differ from golden; returns
    // how many output values became perturbed.
    private int RunRows(ChunkGraph chunk, PlannedNode node, int[] images)
    {
        int batch = RowPlans.BatchFor(images.Length, chunk.Count);
        var (plan, mine) = rowPlans.For(batch, node);
        bool everyImage = images.Length == chunk.Count;
        var borrowed = borrowedScratch.Length >= node.InputIds.Length ? borrowedScratch : borrowedScratch = new Tensor?[node.InputIds.Length];
        for (int i = 0; i < node.InputIds.Length; i++)
        {
            int id = node.InputIds[i];
            borrowed[i] = null;
            if (id >= 0) perturbed[id]?.Complete(chunk.Gold[id]!.Floats); // whole rows from here on
            if (id < 0 || !chunk.Batched[id]) continue;
            // Over every image, an input golden or perturbed everywhere is already a whole batch: read it in place.
            var whole = !everyImage ? null : perturbed[id] is { } p ? p.Count == chunk.Count ? p.AsBatch(plan.Types[id]) : null : chunk.Gold[id];
            if (whole is null) Gather(chunk, id, images, plan.Values[id]!.Floats);
            else
            {
                borrowed[i] = plan.Values[id];
                plan.Values[id] = whole;
            }
        }
        observer.Bind(plan);
        try
        {
            plan.RunNode(mine, observer.Active ? observer : null);
        }
        finally
        {
            for (int i = 0; i < node.InputIds.Length; i++)
                if (borrowed[i] is { } own) plan.Values[node.InputIds[i]] = own;
        }
        int made = 0;
        foreach (int id in node.OutputIds)
        {
            if (id < 0 || !chunk.Batched[id]) continue;
            int width = chunk.Widths[id];
            var fresh = plan.Values[id]!.Floats;
            var gold = chunk.Gold[id]!.Floats;
            var rows = pool.Rent(width);
            // Rows of image planes get the box of their differences, for the convolutions downstream.
            var shape = plan.Types[id].Shape;
            bool planes = regions is not null && shape.Length == 4;
            PlaneBox? box = null;
            for (int i = 0; i < images.Length; i++)
            {
                var row = fresh.Slice(i * width, width);
                var golden = gold.Slice(images[i] * width, width);
                if (!planes)
                {
                    if (PerturbedRows.BitEqual(row, golden)) continue;
                }
                else if (PlaneBox.Differences(row, golden, shape[1], shape[2], shape[3]) is { } differences) box = box?.Union(differences) ?? differences;
                else continue;
                row.CopyTo(rows.Add(images[i]));
            }
            if (planes) rows.Box = box;
            if (rows.Count == 0) pool.Return(rows);
            else
            {
                perturbed[id] = rows;
                made++;
            }
        }
        return made;
    }

    // Rows of value id for the images, perturbed where it is, golden elsewhere, packed into a batch buffer.
    private void Gather(ChunkGraph chunk, int id, int[] images, Span<float> destination)
    {
        int width = chunk.Widths[id];
        var gold = chunk.Gold[id]!.Floats;
        var mine = perturbed[id];
        int r = 0;
        for (int i = 0; i < images.Length; i++)
        {
            int n = images[i];
            while (mine is not null && r < mine.Count && mine.Images[r] < n) r++;
            var source = mine is not null && r < mine.Count && mine.Images[r] == n ? mine.Row(r) : gold.Slice(n * width, width);
            source.CopyTo(destination.Slice(i * width, width));
        }
    }

    // The images any input of the node perturbs, ascending.
    private int[] Union(ChunkGraph chunk, PlannedNode node)
    {
        PerturbedRows? only = null;
        int sources = 0;
        foreach (int id in node.InputIds)
            if (id >= 0 && perturbed[id] is { } p && !ReferenceEquals(p, only))
            {
                only = p;
                sources++;
            }
        if (sources == 0) return [];
        if (sources == 1) return only!.Images.ToArray();
        var set = new SortedSet<int>();
        foreach (int id in node.InputIds)
            if (id >= 0 && perturbed[id] is { } p)
                foreach (int n in p.Images) set.Add(n);
        return set.Count == chunk.Count ? AllImages(chunk.Count) : [.. set];
    }

    private int[]? all;

    private int[] AllImages(int count)
    {
        if (all is null || all.Length != count) all = Enumerable.Range(0, count).ToArray();
        return all;
    }
}
