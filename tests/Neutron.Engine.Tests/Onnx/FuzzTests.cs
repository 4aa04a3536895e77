// The loader under fuzz: seeded mutants of several models (the samples, ../shared/models, graphs built here, and the
// torchvision exports when cached) made by byte flips, truncations, protobuf field edits at every depth (delete,
// duplicate, swap, varint and payload edits, with the enclosing lengths rewritten), structural edits of the graph
// (nodes, inputs, outputs, dimensions, types, huge shape arithmetic) and external data pointing at symlinks, FIFOs,
// devices, directories, '..' and absolute paths. Each mutant is loaded and, when it loads, run once on a small input,
// and may only fail with DESIGN §7's typed errors (FormatException family, ModelException): no NullReference,
// IndexOutOfRange, Overflow or OutOfMemory, no hang (a watchdog), no read outside the model's folder, and no more
// allocated than the plan budget allows. The counts per kind are printed for the notes.
using System.Diagnostics;
using Google.Protobuf;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;
using Neutron.Engine.Tests.Data;
using Neutron.Engine.Tests.Reference;
using Xunit.Abstractions;

namespace Neutron.Engine.Tests.Onnx;

public class FuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261203;
    private const int MaxInputElements = 1 << 16;
    private const long PlanBudget = 256L << 20;
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SuiteLimit = TimeSpan.FromSeconds(90);

    private sealed record Subject(string Name, byte[] Bytes, int Mutants, int RunEvery);

    private static IEnumerable<Subject> Subjects(List<string> skipped)
    {
        yield return new("tiny-cnn", OnnxWriter.ToProto(TinyModels.Cnn()).ToByteArray(), 700, 1);
        yield return new("shape-arith", OnnxWriter.ToProto(TinyModels.ShapeArithmetic()).ToByteArray(), 400, 1);
        string root = TorchvisionExport.RepositoryRoot();
        foreach (var (file, mutants, runEvery) in new[]
        {
            (Path.Combine(root, "samples", "lenet5-fmnist.onnx"), 350, 4),
            (Path.Combine(root, "samples", "lenet5-fmnist-fxp8.6.onnx"), 150, 4),
            (SharedData.Path("models", "lenet5.onnx"), 300, 4),
            (Path.Combine(root, "samples", "resnet20-fmnist.onnx"), 150, 6),
            (SharedData.Path("models", "resnet20.onnx"), 100, 6),
        })
        {
            if (File.Exists(file)) yield return new(Path.GetFileName(Path.GetDirectoryName(file)) + "/" + Path.GetFileName(file), File.ReadAllBytes(file), mutants, runEvery);
            else skipped.Add($"{file}: not found");
        }
        // Torchvision exports are big (5-30 MB): a few mutants each, only when a test run already cached them.
        foreach (var name in new[] { "squeezenet1_1", "mobilenet_v3_small" })
        {
            string file = Path.Combine(TorchvisionExport.Folder, name + ".onnx");
            if (File.Exists(file)) yield return new("torchvision/" + name, File.ReadAllBytes(file), 25, 25);
            else skipped.Add($"torchvision {name}: not cached in {TorchvisionExport.Folder} (TorchvisionTests makes it)");
        }
    }

    private sealed class Tally
    {
        public int Mutants, Accepted, Ran, Format, Model, MustRefuse;
        public readonly Dictionary<string, int> Codes = [];
    }

    [Fact]
    public async Task Mutants_of_every_model_fail_only_with_typed_errors()
    {
        var skipped = new List<string>();
        var subjects = Subjects(skipped).ToList();
        using var dir = new TempDir();
        var traps = new Traps(dir);
        var kinds = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var perModel = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        string current = "";
        long caseStarted = 0;
        Exception? failure = null;
        bool outOfTime = false;

        var worker = new Thread(() =>
        {
            using var budget = EngineLimits.WithPlanBudget(PlanBudget);
            try
            {
                var random = new Random(Seed);
                foreach (var subject in subjects)
                {
                    var weights = WeightRanges(subject.Bytes);
                    for (int i = 0; i < subject.Mutants; i++)
                    {
                        if (clock.Elapsed > SuiteLimit) { outOfTime = true; return; }
                        var mutant = Mutate(subject, weights, random, traps);
                        current = $"{subject.Name} #{i} {mutant.Kind}";
                        Interlocked.Exchange(ref caseStarted, clock.ElapsedTicks);
                        var tally = kinds.TryGetValue(mutant.Kind, out var t) ? t : kinds[mutant.Kind] = new Tally();
                        tally.Mutants++;
                        perModel[subject.Name] = perModel.GetValueOrDefault(subject.Name) + 1;
                        Exercise(mutant, run: i % subject.RunEvery == 0, traps, tally, current, dir);
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 64 << 20) { IsBackground = true, Name = "fuzz" };
        worker.Start();
        while (worker.IsAlive)
        {
            await Task.Delay(100);
            long started = Interlocked.Read(ref caseStarted);
            if (worker.IsAlive && started > 0 && TimeSpan.FromTicks((long)((clock.ElapsedTicks - started) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency))) > CaseLimit)
                Assert.Fail($"mutant {current} did not finish within {CaseLimit.TotalSeconds} s (a hang)");
        }
        if (failure is not null) throw new Xunit.Sdk.XunitException($"mutant {current}: {failure.Message}", failure);

        int total = kinds.Values.Sum(t => t.Mutants);
        output.WriteLine($"{total} mutants of {perModel.Count} models in {clock.Elapsed.TotalSeconds:F1} s (seed {Seed}, plan budget {EngineLimits.Bytes(PlanBudget)}){(outOfTime ? $"; stopped at the {SuiteLimit.TotalSeconds} s limit" : "")}");
        foreach (var (model, n) in perModel) output.WriteLine($"  {n,5}  {model}");
        foreach (var s in skipped) output.WriteLine($"  skipped: {s}");
        output.WriteLine($"  {"kind",-34} {"mutants",7} {"accepted",8} {"ran",5} {"format",7} {"model",6}  model error codes");
        foreach (var (kind, t) in kinds)
            output.WriteLine($"  {kind,-34} {t.Mutants,7} {t.Accepted,8} {t.Ran,5} {t.Format,7} {t.Model,6}  {string.Join(", ", t.Codes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"))}");
        var external = kinds.Where(p => p.Key.StartsWith("external:", StringComparison.Ordinal)).Select(p => p.Value).ToList();
        output.WriteLine($"  {"external data (all locations)",-34} {external.Sum(t => t.Mutants),7} {external.Sum(t => t.Accepted),8} {external.Sum(t => t.Ran),5} {external.Sum(t => t.Format),7} {external.Sum(t => t.Model),6}  {external.Sum(t => t.MustRefuse)} pointed outside the folder or at a non-regular file: all refused");
        output.WriteLine($"  {"total",-34} {total,7} {kinds.Values.Sum(t => t.Accepted),8} {kinds.Values.Sum(t => t.Ran),5} {kinds.Values.Sum(t => t.Format),7} {kinds.Values.Sum(t => t.Model),6}");

        Assert.True(perModel.Count >= 5, $"only {perModel.Count} models to mutate");
        Assert.True(total >= (outOfTime ? 1000 : 2000), $"only {total} mutants");
        Assert.True(kinds.Values.Sum(t => t.Format) > 0 && kinds.Values.Sum(t => t.Model) > 0 && kinds.Values.Sum(t => t.Ran) > 0);
    }

    private sealed record Mutant(string Kind, byte[] Bytes, string? Location = null, bool MustRefuse = false, byte[]? Secret = null);

    // Loads (from a file beside the traps when the mutant has external data), builds a session and runs it once.
    private static void Exercise(Mutant mutant, bool run, Traps traps, Tally tally, string what, TempDir dir)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        string outcome;
        Neutron.Engine.Graph.Model? model = null;
        try
        {
            if (mutant.Location is null) model = OnnxReader.Parse(mutant.Bytes, null, "fuzz.onnx");
            else
            {
                File.WriteAllBytes(traps.ModelPath, mutant.Bytes);
                model = OnnxReader.Load(traps.ModelPath);
            }
            var session = new InferenceSession(model);
            outcome = "accepted";
            if (run && Feeds(session) is { } feeds)
            {
                session.Run(feeds);
                tally.Ran++;
            }
        }
        catch (Exception e) when (e is FormatException)
        {
            outcome = "format";
            tally.Format++;
            if (e.Message.Any(char.IsControl)) throw new InvalidOperationException($"a FormatException message holds a control character: {e.Message}");
        }
        catch (ModelException e)
        {
            outcome = "model";
            tally.Model++;
            tally.Codes[e.Code.ToString()] = tally.Codes.GetValueOrDefault(e.Code.ToString()) + 1;
            if (e.Message.Any(char.IsControl)) throw new InvalidOperationException($"a ModelException message holds a control character: {e.Message}");
        }
        catch (Exception e)
        {
            string saved = Path.Combine(Path.GetTempPath(), $"neutron-fuzz-{Seed}-{Environment.ProcessId}.onnx");
            File.WriteAllBytes(saved, mutant.Bytes);
            throw new InvalidOperationException($"untyped {e.GetType().Name} ({e.Message}); the mutant is saved as {saved}", e);
        }
        if (outcome == "accepted") tally.Accepted++;

        if (mutant.MustRefuse) tally.MustRefuse++;
        if (mutant.MustRefuse && outcome == "accepted")
            throw new InvalidOperationException($"external data '{mutant.Location}' outside the folder or not a regular file was accepted");
        if (mutant.Secret is { } secret && model is not null)
            foreach (var (name, tensor) in model.Initializers)
                if (tensor.Type == DataType.Float && tensor.Length * 4 == secret.Length
                    && System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Floats).SequenceEqual(secret))
                    throw new InvalidOperationException($"initializer '{name}' holds the bytes of a file outside the model's folder (location '{mutant.Location}')");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long allowed = PlanBudget + 16L * mutant.Bytes.Length + (64L << 20);
        if (allocated > allowed)
            throw new InvalidOperationException($"{what} allocated {EngineLimits.Bytes(allocated)}, more than the plan budget allows ({EngineLimits.Bytes(allowed)})");
    }

    private static Dictionary<string, Tensor>? Feeds(InferenceSession session)
    {
        var feeds = new Dictionary<string, Tensor>();
        foreach (var input in session.Inputs)
        {
            var shape = input.Shape!.Select(d => d < 0 ? 1 : d).ToArray();
            if (EngineLimits.Elements(shape) > MaxInputElements) return null;
            var t = Tensor.Zeros(input.Type, shape);
            if (t.IsFloating) for (int k = 0; k < t.Length; k++) t.Floats[k] = (k % 7) * 0.25f;
            feeds[input.Name] = t;
        }
        return feeds;
    }

    // ---- Mutations ---------------------------------------------------------------------------------------------

    private static Mutant Mutate(Subject subject, List<(int Start, int End)> weights, Random random, Traps traps)
    {
        var b = subject.Bytes;
        int Offset() // 85 % of byte edits land outside raw weight data, where a flip only changes a number
        {
            while (true)
            {
                int o = random.Next(b.Length);
                if (weights.Count == 0 || random.Next(100) < 15 || !weights.Any(w => o >= w.Start && o < w.End)) return o;
            }
        }
        switch (random.Next(20))
        {
            case 0:
            case 1:
                {
                    var c = (byte[])b.Clone();
                    int flips = 1 + random.Next(4);
                    for (int k = 0; k < flips; k++) c[Offset()] ^= (byte)(1 << random.Next(8));
                    return new("bytes: bit flips", c);
                }
            case 2:
                return new("bytes: truncation", b[..Offset()]);
            case 3:
                {
                    var c = (byte[])b.Clone();
                    c[Offset()] = (byte)random.Next(256);
                    return new("bytes: overwrite", c);
                }
            case 4:
            case 5:
            case 6:
            case 7:
            case 8:
                return FieldEdit(b, random);
            case 9:
            case 10:
                return ExternalData(b, random, traps);
            default:
                return Structural(b, random);
        }
    }

    // A protobuf field edit at a random depth: ModelProto, GraphProto, a node, an attribute, an initializer, a graph
    // input or output and its type down to one dimension. Lengths of every enclosing message are rewritten, so the
    // edit reaches the parser's semantic checks instead of only breaking the framing.
    private static Mutant FieldEdit(byte[] original, Random random)
    {
        var path = new List<int>();
        var container = original;
        string where = "model";
        for (int depth = 0; depth < 7 && random.Next(100) < (depth == 0 ? 95 : 75); depth++)
        {
            var fields = TryFields(container);
            var messages = fields?.Select((f, i) => (f, i)).Where(p => p.f.Wire == 2 && p.f.End > p.f.PayloadStart && TryFields(container[p.f.PayloadStart..p.f.End]) is { Count: > 0 }).ToList();
            if (messages is null || messages.Count == 0) break;
            // Prefer the graph at the top level; elsewhere any sub-message.
            var pick = depth == 0 && messages.Any(m => m.f.Number == 7) && random.Next(4) > 0 ? messages.First(m => m.f.Number == 7) : messages[random.Next(messages.Count)];
            path.Add(pick.i);
            where += $".{pick.f.Number}";
            container = container[pick.f.PayloadStart..pick.f.End];
        }
        var inner = TryFields(container);
        if (inner is null || inner.Count == 0) return new("field: none", original);
        var x = inner[random.Next(inner.Count)];
        var y = inner[random.Next(inner.Count)];
        string kind;
        Func<byte[], byte[]> edit;
        int choice = random.Next(6);
        if (choice == 3 && !(x.Wire == 2 && y.Wire == 2) || choice == 4 && x.Wire != 2) choice = 5;
        switch (choice)
        {
            case 0:
                kind = "field: delete";
                edit = m => [.. m[..x.Start], .. m[x.End..]];
                break;
            case 1:
                kind = "field: duplicate";
                edit = m => [.. m[..x.End], .. m[x.Start..x.End], .. m[x.End..]];
                break;
            case 2:
                kind = "field: swap";
                edit = m => x.Start == y.Start ? m : Swap(m, x, y);
                break;
            case 3:
                kind = "field: payload replace";
                edit = m => [.. m[..x.KeyEnd], .. VarintBytes((ulong)(y.End - y.PayloadStart)), .. m[y.PayloadStart..y.End], .. m[x.End..]];
                break;
            case 4:
                kind = "field: payload garbage";
                var junk = new byte[random.Next(0, 24)];
                random.NextBytes(junk);
                edit = m => [.. m[..x.KeyEnd], .. VarintBytes((ulong)junk.Length), .. junk, .. m[x.End..]];
                break;
            default:
                if (x.Wire == 0)
                {
                    kind = "field: varint value";
                    ulong value = Extreme(random);
                    edit = m => [.. m[..x.KeyEnd], .. VarintBytes(value), .. m[x.End..]];
                }
                else
                {
                    kind = "field: key renumber";
                    ulong key = (ulong)((random.Next(1, 24) << 3) | x.Wire);
                    edit = m => [.. m[..x.Start], .. VarintBytes(key), .. m[x.KeyEnd..]];
                }
                break;
        }
        return new(kind, EditAt(original, path, edit));
    }

    private static ulong Extreme(Random random)
    {
        long[] values = [0, 1, 2, 3, 7, 255, 65536, int.MaxValue, (long)int.MaxValue + 1, 1L << 32, 1L << 40, long.MaxValue, -1, -7, long.MinValue];
        return (ulong)values[random.Next(values.Length)];
    }

    private static byte[] Swap(byte[] m, Field x, Field y)
    {
        if (x.Start > y.Start) (x, y) = (y, x);
        return [.. m[..x.Start], .. m[y.Start..y.End], .. m[x.End..y.Start], .. m[x.Start..x.End], .. m[y.End..]];
    }

    // Applies an edit to the message at `path` (field indices from the top) and rewrites the enclosing length prefixes.
    private static byte[] EditAt(byte[] message, List<int> path, Func<byte[], byte[]> edit, int depth = 0)
    {
        if (depth == path.Count) return edit(message);
        var f = Fields(message, 0, message.Length)[path[depth]];
        var inner = EditAt(message[f.PayloadStart..f.End], path, edit, depth + 1);
        return [.. message[..f.KeyEnd], .. VarintBytes((ulong)inner.Length), .. inner, .. message[f.End..]];
    }

    // Whole-graph edits through the object model: what a careless exporter or a hand edit produces.
    private static Mutant Structural(byte[] original, Random random)
    {
        var proto = ModelProto.Parser.ParseFrom(original);
        var g = proto.Graph;
        var nodes = g.Node;
        NodeProto? AnyNode() => nodes.Count == 0 ? null : nodes[random.Next(nodes.Count)];
        string kind;
        switch (random.Next(16))
        {
            case 0:
                kind = "graph: drop node";
                if (nodes.Count > 0) nodes.RemoveAt(random.Next(nodes.Count));
                break;
            case 1:
                kind = "graph: duplicate node";
                if (AnyNode() is { } dup) nodes.Insert(random.Next(nodes.Count + 1), dup.Clone());
                break;
            case 2:
                kind = "graph: extra node inputs";
                if (AnyNode() is { } extra)
                {
                    int more = 1 + random.Next(60);
                    string name = extra.Input.Count > 0 ? extra.Input[random.Next(extra.Input.Count)] : g.Input.Count > 0 ? g.Input[0].Name : "x";
                    for (int k = 0; k < more; k++) extra.Input.Add(random.Next(3) == 0 ? "" : name);
                }
                break;
            case 3:
                kind = "graph: drop or rename node input";
                if (AnyNode() is { Input.Count: > 0 } n3)
                {
                    int at = random.Next(n3.Input.Count);
                    if (random.Next(2) == 0) n3.Input.RemoveAt(at);
                    else n3.Input[at] = random.Next(2) == 0 ? "" : "no-such-value";
                }
                break;
            case 4:
                kind = "graph: drop or duplicate graph input";
                if (g.Input.Count > 0)
                {
                    if (random.Next(2) == 0) g.Input.RemoveAt(random.Next(g.Input.Count));
                    else g.Input.Add(g.Input[random.Next(g.Input.Count)].Clone());
                }
                break;
            case 5:
                kind = "graph: outputs dropped or doubled";
                switch (random.Next(3))
                {
                    case 0: g.Output.Clear(); break;
                    case 1: if (g.Output.Count > 0) g.Output.Add(g.Output[0].Clone()); break;
                    default: if (nodes.Count > 0 && AnyNode() is { Output.Count: > 0 } n5) g.Output.Add(new ValueInfoProto { Name = n5.Output[0] }); break;
                }
                break;
            case 6:
            case 7:
                kind = "graph: input dims";
                foreach (var input in g.Input.Where(_ => random.Next(2) == 0))
                {
                    var dims = input.Type?.TensorType?.Shape?.Dim;
                    if (dims is null || dims.Count == 0) continue;
                    long[] choices = [-7, -1, 0, 1, 3, 65536, int.MaxValue, (long)int.MaxValue + 1, 1L << 40];
                    var d = dims[random.Next(dims.Count)];
                    d.DimValue = choices[random.Next(choices.Length)];
                    if (random.Next(4) == 0) dims.RemoveAt(random.Next(dims.Count));
                }
                break;
            case 8:
                kind = "graph: input or output dtype";
                foreach (var v in g.Input.Concat(g.Output))
                    if (v.Type?.TensorType is { } tt && random.Next(2) == 0) tt.ElemType = random.Next(0, 20);
                break;
            case 9:
            case 10:
                kind = "graph: initializer dtype";
                if (g.Initializer.Count > 0) g.Initializer[random.Next(g.Initializer.Count)].DataType = random.Next(0, 20);
                break;
            case 11:
                kind = "graph: initializer dims";
                if (g.Initializer.Count > 0)
                {
                    var t = g.Initializer[random.Next(g.Initializer.Count)];
                    long[] choices = [0, 1, 2, -1, 65536, int.MaxValue, 1L << 33];
                    if (t.Dims.Count > 0 && random.Next(2) == 0) t.Dims[random.Next(t.Dims.Count)] = choices[random.Next(choices.Length)];
                    else if (t.Dims.Count > 0) t.Dims.RemoveAt(random.Next(t.Dims.Count));
                    else t.Dims.Add(choices[random.Next(choices.Length)]);
                }
                break;
            case 12:
                kind = "graph: op type";
                if (AnyNode() is { } n12)
                {
                    string[] ops = ["Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Add", "Reshape", "Concat", "Gather", "Slice", "Expand",
                        "ConstantOfShape", "Range", "Tile", "Resize", "Pad", "MaxPool", "Softmax", "Cast", "Split", "Transpose", "NoSuchOp"];
                    n12.OpType = ops[random.Next(ops.Length)];
                }
                break;
            case 13:
                kind = "graph: huge shape arithmetic";
                AddHugeShapeNode(g, random);
                break;
            case 14:
                kind = "graph: attribute extremes";
                if (AnyNode() is { Attribute.Count: > 0 } n14)
                {
                    var a = n14.Attribute[random.Next(n14.Attribute.Count)];
                    if (a.Ints.Count > 0) a.Ints[random.Next(a.Ints.Count)] = (long)Extreme(random);
                    else if (a.Type == 2) a.I = (long)Extreme(random);
                    else if (a.Type == 1) a.F = new[] { float.NaN, float.PositiveInfinity, -1f, 0f, 1e30f }[random.Next(5)];
                    else a.Type = random.Next(0, 15);
                }
                break;
            default:
                kind = "graph: opset and ir version";
                if (proto.OpsetImport.Count > 0) proto.OpsetImport[0].Version = new long[] { 0, 1, 6, 9, 11, 13, 17, 18, 99, -1 }[random.Next(10)];
                else proto.IrVersion = random.Next(0, 12);
                break;
        }
        return new(kind, proto.ToByteArray());
    }

    // Range, ConstantOfShape, Expand or Tile whose constant inputs ask for more than a tensor or the budget holds.
    private static void AddHugeShapeNode(GraphProto g, Random random)
    {
        TensorProto Longs(string name, params long[] values)
        {
            var t = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            return t;
        }
        TensorProto Scalar(string name, float v) => new() { Name = name, DataType = (int)DataType.Float, FloatData = { v } };
        long[][] shapes = [[65536, 65536], [1L << 31], [46341, 46341], [1 << 20, 1 << 12], [3, -2], [1L << 40], [1 << 15, 1 << 15, 4]];
        var shape = shapes[random.Next(shapes.Length)];
        string op = new[] { "ConstantOfShape", "Expand", "Range", "Tile" }[random.Next(4)];
        var node = new NodeProto { Name = "fuzz_huge", OpType = op, Output = { "fuzz_huge_out" } };
        switch (op)
        {
            case "ConstantOfShape":
                g.Initializer.Add(Longs("fuzz_shape", shape));
                node.Input.Add("fuzz_shape");
                break;
            case "Expand":
                g.Initializer.Add(Longs("fuzz_shape", shape));
                g.Initializer.Add(Scalar("fuzz_one", 1f));
                node.Input.Add("fuzz_one");
                node.Input.Add("fuzz_shape");
                break;
            case "Range":
                g.Initializer.Add(Scalar("fuzz_start", 0f));
                g.Initializer.Add(Scalar("fuzz_limit", new[] { 3e9f, 1e12f, float.PositiveInfinity, float.NaN, 5e8f }[random.Next(5)]));
                g.Initializer.Add(Scalar("fuzz_delta", 1f));
                node.Input.Add("fuzz_start");
                node.Input.Add("fuzz_limit");
                node.Input.Add("fuzz_delta");
                break;
            default:
                var one = new TensorProto { Name = "fuzz_x", DataType = (int)DataType.Float, Dims = { 1, 1 }, FloatData = { 1f } };
                g.Initializer.Add(one);
                g.Initializer.Add(Longs("fuzz_repeats", shape.Length >= 2 ? [shape[0], shape[1]] : [shape[0], 1]));
                node.Input.Add("fuzz_x");
                node.Input.Add("fuzz_repeats");
                break;
        }
        g.Node.Add(node);
        g.Output.Add(new ValueInfoProto { Name = "fuzz_huge_out" });
    }

    // ---- External data -----------------------------------------------------------------------------------------

    // A folder with a model path and traps beside it: a FIFO, links leading outside (to a secret file, to a
    // directory above, to a device), a directory, a link loop, and a valid data file (and a link to it).
    private sealed class Traps
    {
        public Traps(TempDir dir)
        {
            Folder = Directory.CreateDirectory(dir.File("model")).FullName;
            ModelPath = Path.Combine(Folder, "m.onnx");
            SecretPath = dir.File("secret.bin");
            Directory.CreateDirectory(Path.Combine(Folder, "sub"));
            Fifo = UntrustedModelTests.MakeFifo(Path.Combine(Folder, "fifo"));
            File.CreateSymbolicLink(Path.Combine(Folder, "link-out"), SecretPath);
            File.CreateSymbolicLink(Path.Combine(Folder, "link-rel-out"), "../secret.bin");
            Directory.CreateSymbolicLink(Path.Combine(Folder, "up"), dir.Path);
            File.CreateSymbolicLink(Path.Combine(Folder, "link-dev"), "/dev/zero");
            File.CreateSymbolicLink(Path.Combine(Folder, "link-fifo"), "fifo");
            File.CreateSymbolicLink(Path.Combine(Folder, "loop"), "loop");
            File.CreateSymbolicLink(Path.Combine(Folder, "w-link"), "w.bin");
        }

        public string Folder { get; }
        public string ModelPath { get; }
        public string SecretPath { get; }
        public bool Fifo { get; }

        // (location, must be refused)
        public (string Location, bool MustRefuse)[] Locations => [
            ("w.bin", false), ("./w.bin", false), ("w-link", false), ("sub/../w.bin", true),
            ("link-out", true), ("link-rel-out", true), ("up/secret.bin", true), ("up/model/w.bin", false), ("../secret.bin", true),
            (SecretPath, true), ("/dev/zero", true), ("link-dev", true), ("sub", true), ("loop", true), ("missing.bin", true),
            ("w.bin\0.txt", true), ("", true), .. Fifo ? new[] { ("fifo", true), ("link-fifo", true) } : [],
        ];
    }

    private static Mutant ExternalData(byte[] original, Random random, Traps traps)
    {
        var proto = ModelProto.Parser.ParseFrom(original);
        var candidates = proto.Graph.Initializer.Where(t => t.DataType == (int)DataType.Float && t.RawData.Length >= 4).ToList();
        if (candidates.Count == 0) return new("external: no float initializer", original);
        var t = candidates[random.Next(candidates.Count)];
        var raw = t.RawData.ToByteArray();
        File.WriteAllBytes(Path.Combine(traps.Folder, "w.bin"), raw);
        // The secret has the tensor's size, so only the location can be the reason to refuse it.
        var secret = new byte[raw.Length];
        random.NextBytes(secret);
        File.WriteAllBytes(traps.SecretPath, secret);
        var (location, mustRefuse) = traps.Locations[random.Next(traps.Locations.Length)];
        t.ClearRawData();
        t.DataLocation = 1;
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        string kind = "external: " + (location == traps.SecretPath ? "absolute path" : location.Length == 0 ? "(empty)" : location.Replace("\0", "\\0", StringComparison.Ordinal));
        if (random.Next(4) == 0)
        {
            long[] offsets = [0, 4, raw.Length, raw.Length + 1, -1, long.MaxValue];
            t.ExternalData.Add(new StringStringEntryProto { Key = random.Next(2) == 0 ? "offset" : "length", Value = offsets[random.Next(offsets.Length)].ToString(System.Globalization.CultureInfo.InvariantCulture) });
            kind += " +offset/length";
        }
        // up/model/w.bin enters the parent through a link and comes back: inside, as a real path.
        return new(kind, proto.ToByteArray(), location, mustRefuse, secret);
    }

    // ---- Wire helpers ------------------------------------------------------------------------------------------

    private readonly record struct Field(int Number, int Wire, int Start, int KeyEnd, int PayloadStart, int End);

    private static List<Field>? TryFields(byte[] b)
    {
        try { return Fields(b, 0, b.Length); }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or OverflowException) { return null; }
    }

    // A minimal wire walker; throws InvalidDataException on bytes that are not a message.
    private static List<Field> Fields(byte[] b, int start, int end)
    {
        var fields = new List<Field>();
        int pos = start;
        while (pos < end)
        {
            int s = pos;
            ulong key = Varint(b, ref pos);
            int keyEnd = pos;
            int wire = (int)(key & 7);
            if (key >> 3 == 0 || key >> 3 > 1 << 20) throw new InvalidDataException("bad field number");
            int payloadStart = pos;
            switch (wire)
            {
                case 0: Varint(b, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    ulong length = Varint(b, ref pos);
                    if (length > (ulong)(end - pos)) throw new InvalidDataException("length past the end");
                    payloadStart = pos;
                    pos += (int)length;
                    break;
                default: throw new InvalidDataException("bad wire type");
            }
            if (pos > end) throw new InvalidDataException("field past the end");
            fields.Add(new Field((int)(key >> 3), wire, s, keyEnd, payloadStart, pos));
        }
        return fields;
    }

    private static ulong Varint(byte[] b, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw new InvalidDataException("varint too long");
    }

    private static byte[] VarintBytes(ulong v)
    {
        var bytes = new List<byte>(10);
        do
        {
            byte x = (byte)(v & 0x7F);
            v >>= 7;
            bytes.Add(v != 0 ? (byte)(x | 0x80) : x);
        } while (v != 0);
        return [.. bytes];
    }

    private static List<(int, int)> WeightRanges(byte[] bytes)
    {
        var proto = ModelProto.Parser.ParseFrom(bytes);
        var ranges = new List<(int, int)>();
        foreach (var t in proto.Graph.Initializer)
        {
            var raw = t.RawData.Span;
            if (raw.Length < 8) continue;
            int at = bytes.AsSpan().IndexOf(raw);
            if (at >= 0) ranges.Add((at, at + raw.Length));
        }
        return ranges;
    }

    // Semantic mutations the byte fuzz rarely reaches: attributes set to extreme values and weights reshaped, on the
    // tiny CNN, so operators' Infer meets zero strides, negative pads, huge kernels and mismatched shapes.
    [Fact]
    public void Tiny_cnn_with_extreme_attributes_fails_only_with_typed_errors()
    {
        var random = new Random(11);
        long[] extremes = [0, -1, 1, 2, 3, 7, -7, 1000, int.MaxValue, (long)int.MaxValue + 1, long.MinValue];
        string[] names = ["pads", "strides", "kernel_shape", "dilations", "group", "axis", "transA", "transB", "auto_pad", "ceil_mode", "epsilon", "alpha", "allowzero"];
        var outcomes = new Dictionary<string, int>();
        using var budget = EngineLimits.WithPlanBudget(PlanBudget);
        for (int i = 0; i < 600; i++)
        {
            var model = TinyModels.Cnn();
            int mutations = 1 + random.Next(2);
            for (int m = 0; m < mutations; m++)
            {
                if (random.Next(4) == 0)
                {
                    var key = model.Initializers.Keys.ElementAt(random.Next(model.Initializers.Count));
                    var old = model.Initializers[key];
                    int[] shape = Enumerable.Range(0, random.Next(5)).Select(_ => random.Next(4)).ToArray();
                    model.Initializers[key] = old.IsFloating ? Tensor.Zeros(DataType.Float, shape) : Tensor.Zeros(DataType.Int64, shape);
                    continue;
                }
                int n = random.Next(model.Nodes.Count);
                var node = model.Nodes[n];
                var attributes = new Dictionary<string, object>(node.Attributes.All);
                string name = names[random.Next(names.Length)];
                attributes[name] = name switch
                {
                    "auto_pad" => new[] { "SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "BOGUS" }[random.Next(5)],
                    "epsilon" or "alpha" => new[] { 0f, -1f, float.NaN, float.PositiveInfinity }[random.Next(4)],
                    "pads" or "strides" or "kernel_shape" or "dilations" =>
                        Enumerable.Range(0, random.Next(6)).Select(_ => extremes[random.Next(extremes.Length)]).ToArray(),
                    _ => extremes[random.Next(extremes.Length)],
                };
                model.Nodes[n] = TinyModels.Node(node.Name, node.OpType, node.Inputs, node.Outputs, attributes);
            }
            string kind;
            try
            {
                var session = new InferenceSession(OnnxReader.Parse(OnnxWriter.ToProto(model).ToByteArray(), null, "fuzz.onnx"));
                session.Run(Tensor.Zeros(DataType.Float, 1, 1, 6, 6));
                kind = "ran";
            }
            catch (Exception e) when (e is FormatException or ModelException)
            {
                kind = e.GetType().Name;
            }
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
        }
        foreach (var (k, v) in outcomes.OrderByDescending(p => p.Value)) output.WriteLine($"{v,5}  {k}");
        Assert.True(outcomes.GetValueOrDefault("ModelException") > 100, "the mutations should mostly make invalid models");
    }
}
