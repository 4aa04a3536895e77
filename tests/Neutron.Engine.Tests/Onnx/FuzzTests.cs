// Fuzzes the loader: a valid model's bytes are mutated (truncation, bit flips, byte swaps, swaps of whole fields or
// of field payloads inside the graph and its nodes) with a fixed seed, and loading, building a session and one run
// on a small input may only fail with the typed errors of DESIGN §7 (FormatException family, ModelException):
// never IndexOutOfRange, NullReference, a crash or a hang. Mutations mostly avoid weight bytes, where a flip only
// changes a number.
using Google.Protobuf;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Xunit.Abstractions;

namespace Neutron.Engine.Tests.Onnx;

public class FuzzTests(ITestOutputHelper output)
{
    private const int MaxInputElements = 1 << 14;

    // LeNet-5 runs take most of the time in a Debug build, so only every 8th model that loads is run; the tiny CNN
    // (same kinds of ops) is run every time.
    [Fact]
    public Task Mutated_lenet5_fails_only_with_typed_errors() =>
        Fuzz(File.ReadAllBytes(SharedData.Path("models", "lenet5.onnx")), 1000, 20240611, runEvery: 8);

    [Fact]
    public Task Mutated_tiny_cnn_fails_only_with_typed_errors() =>
        Fuzz(OnnxWriter.ToProto(TinyModels.Cnn()).ToByteArray(), 1500, 7, runEvery: 1);

    // Semantic mutations the byte fuzz rarely reaches: attributes set to extreme values and weights reshaped, on the
    // tiny CNN, so operators' Infer meets zero strides, negative pads, huge kernels and mismatched shapes.
    [Fact]
    public void Tiny_cnn_with_extreme_attributes_fails_only_with_typed_errors()
    {
        var random = new Random(11);
        long[] extremes = [0, -1, 1, 2, 3, 7, -7, 1000, int.MaxValue, (long)int.MaxValue + 1, long.MinValue];
        string[] names = ["pads", "strides", "kernel_shape", "dilations", "group", "axis", "transA", "transB", "auto_pad", "ceil_mode", "epsilon", "alpha", "allowzero"];
        var outcomes = new Dictionary<string, int>();
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
            string message = Exercise(OnnxWriter.ToProto(model).ToByteArray(), run: true);
            string kind = message.Split(':')[0];
            outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
        }
        foreach (var (k, v) in outcomes.OrderByDescending(p => p.Value)) output.WriteLine($"{v,5}  {k}");
        Assert.True(outcomes.GetValueOrDefault("ModelException") > 100, "the mutations should mostly make invalid models");
    }

    private async Task Fuzz(byte[] original, int cases, int seed, int runEvery)
    {
        var weights = WeightRanges(original);
        var random = new Random(seed);
        var outcomes = new Dictionary<string, int>();
        var examples = new Dictionary<string, List<string>>();
        int current = -1;
        string currentKind = "";
        byte[] currentBytes = [];
        var worker = Task.Run(() =>
        {
            for (int i = 0; i < cases; i++)
            {
                current = i;
                (currentKind, currentBytes) = Mutate(original, weights, random);
                string message = Exercise(currentBytes, run: i % runEvery == 0);
                string result = message.Split(':')[0];
                outcomes[result] = outcomes.GetValueOrDefault(result) + 1;
                if (!examples.ContainsKey(result) || examples[result].Count < 4) (examples.TryGetValue(result, out var l) ? l : examples[result] = []).Add($"{currentKind}: {message}");
            }
        });
        // A hang fails the test instead of stalling the suite; generous because the machine is shared.
        if (await Task.WhenAny(worker, Task.Delay(TimeSpan.FromMinutes(5))) != worker)
            Assert.Fail($"case {current} ({currentKind}) did not finish");
        await worker;
        foreach (var (k, v) in outcomes.OrderByDescending(p => p.Value))
        {
            output.WriteLine($"{v,5}  {k}");
            foreach (var example in examples[k]) output.WriteLine($"         {example}");
        }
        Assert.True(outcomes.Keys.Any(k => k.StartsWith("OnnxFormatException", StringComparison.Ordinal)), "no case hit the format checks");
        Assert.True(outcomes.Keys.Any(k => k.StartsWith("ModelException", StringComparison.Ordinal)), "no case hit the model checks");
    }

    // Returns the kind of outcome; throws (failing the test with the case) on an untyped exception.
    private static string Exercise(byte[] bytes, bool run)
    {
        try
        {
            var model = OnnxReader.Parse(bytes, null, "fuzz.onnx");
            var session = new InferenceSession(model);
            if (!run) return "loaded";
            var feeds = new Dictionary<string, Tensor>();
            foreach (var input in session.Inputs)
            {
                var shape = input.Shape!.Select(d => d < 0 ? 1 : d).ToArray();
                long size = shape.Aggregate(1L, (a, d) => a * d);
                if (size > MaxInputElements) return "loaded, input too large to run";
                var t = Tensor.Zeros(input.Type, shape);
                if (t.IsFloating) for (int k = 0; k < t.Length; k++) t.Floats[k] = (k % 7) * 0.25f;
                feeds[input.Name] = t;
            }
            session.Run(feeds);
            return "ran";
        }
        catch (Exception e) when (e is FormatException or ModelException)
        {
            return e.GetType().Name + (e.Message.Contains(" at offset ", StringComparison.Ordinal) ? " (located)" : "") + ": " + e.Message;
        }
        catch (Exception e)
        {
            throw new Exception($"untyped {e.GetType().Name} on a mutated model: {e.Message}\nbytes (base64): {Convert.ToBase64String(bytes)}", e);
        }
    }

    private static (string, byte[]) Mutate(byte[] original, List<(int Start, int End)> weights, Random random)
    {
        var b = (byte[])original.Clone();
        int Offset() // 85 % of mutations land outside raw weight data
        {
            while (true)
            {
                int o = random.Next(b.Length);
                if (weights.Count == 0 || random.Next(100) < 15 || !weights.Any(w => o >= w.Start && o < w.End)) return o;
            }
        }
        switch (random.Next(5))
        {
            case 0:
                return ("truncation", b[..Offset()]);
            case 1:
                int flips = 1 + random.Next(4);
                for (int k = 0; k < flips; k++) b[Offset()] ^= (byte)(1 << random.Next(8));
                return ($"{flips} bit flips", b);
            case 2:
                int i = Offset(), j = Offset();
                (b[i], b[j]) = (b[j], b[i]);
                return ("byte swap", b);
            default:
                return FieldSwap(b, random) ?? ("byte overwrite", Overwrite(b, Offset(), random));
        }
    }

    private static byte[] Overwrite(byte[] b, int at, Random random)
    {
        b[at] = (byte)random.Next(256);
        return b;
    }

    // Swaps two whole fields, or the payloads of two length-delimited fields (keys stay), inside the graph or one node.
    private static (string, byte[])? FieldSwap(byte[] b, Random random)
    {
        var top = Fields(b, 0, b.Length);
        var graph = top.FirstOrDefault(f => f.Number == 7 && f.Wire == 2);
        if (graph.Number == 0) return null;
        var parent = Fields(b, graph.PayloadStart, graph.End);
        var nodes = parent.Where(f => f.Number == 1 && f.Wire == 2).ToList();
        if (nodes.Count > 0 && random.Next(2) == 0)
        {
            var node = nodes[random.Next(nodes.Count)];
            var inner = Fields(b, node.PayloadStart, node.End);
            if (inner.Count >= 2) parent = inner;
        }
        var x = parent[random.Next(parent.Count)];
        var y = parent[random.Next(parent.Count)];
        if (x.Start == y.Start) return null;
        if (x.Start > y.Start) (x, y) = (y, x);
        bool payloads = x.Wire == 2 && y.Wire == 2 && random.Next(2) == 0;
        var result = new List<byte>(b.Length);
        if (!payloads)
        {
            result.AddRange(b[..x.Start]);
            result.AddRange(b[y.Start..y.End]);
            result.AddRange(b[x.End..y.Start]);
            result.AddRange(b[x.Start..x.End]);
            result.AddRange(b[y.End..]);
            return ("field swap", [.. result]);
        }
        // Same total length: each length prefix moves with its payload.
        result.AddRange(b[..x.Start]);
        result.AddRange(b[x.Start..x.KeyEnd]);
        result.AddRange(b[y.KeyEnd..y.End]);
        result.AddRange(b[x.End..y.Start]);
        result.AddRange(b[y.Start..y.KeyEnd]);
        result.AddRange(b[x.KeyEnd..x.End]);
        result.AddRange(b[y.End..]);
        return ("payload swap", [.. result]);
    }

    private readonly record struct Field(int Number, int Wire, int Start, int KeyEnd, int PayloadStart, int End);

    // A minimal wire walker over a valid message (the original bytes), for choosing fields to swap.
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
            int payloadStart = pos;
            switch (wire)
            {
                case 0: Varint(b, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    int length = (int)Varint(b, ref pos);
                    payloadStart = pos;
                    pos += length;
                    break;
                default: throw new InvalidDataException("the fuzz seed model is not valid protobuf");
            }
            fields.Add(new Field((int)(key >> 3), wire, s, keyEnd, payloadStart, pos));
        }
        return fields;
    }

    private static ulong Varint(byte[] b, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) return v;
        }
    }

    private static List<(int, int)> WeightRanges(byte[] bytes)
    {
        var proto = Neutron.Engine.Onnx.Proto.ModelProto.Parser.ParseFrom(bytes);
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
}
