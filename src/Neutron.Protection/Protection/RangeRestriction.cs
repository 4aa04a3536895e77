// Range restriction (Ranger): a Clip after each activation, at the smallest and largest value that activation takes
// on the evaluation images, so a corrupted value that leaves the range seen fault-free is pulled back into it. The
// activation keeps its output name and the Clip writes a new value that every consumer reads instead: a fault on the
// activation's output (or upstream of it) is clipped, and the model's fault sites keep their names. Bounds are
// profiled in float on the model as stored (a fixed-point model made by QAT stores its values exactly). NaN passes
// a Clip unchanged, so a NaN from a corrupted exponent is not restricted. Graph outputs are not clipped (logits
// have no activation to follow).
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Protection.Protection;

/// <summary>One activation's profiled range: the node, its output value, and the bounds.</summary>
public sealed record ActivationRange(string Node, string OpType, string Value, float Low, float High, long ElementsPerImage);

public static class RangeRestriction
{
    public static readonly IReadOnlySet<string> ActivationOps = new HashSet<string>(StringComparer.Ordinal)
        { "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish" };

    /// <summary>Suffix of the clipped value's name (and of the Clip node's name).</summary>
    public const string Suffix = ".clipped";

    /// <summary>The range of every activation's (first, float) output over the images, run in batches.</summary>
    public static List<ActivationRange> Profile(Model model, Tensor images, int batch = 64)
    {
        var session = new InferenceSession(model);
        var outputs = model.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var observer = new RangeObserver(model.Nodes.Where(n => ActivationOps.Contains(n.OpType) && n.Outputs.Length > 0 && !outputs.Contains(n.Outputs[0]))
            .Select(n => n.Name).ToHashSet(StringComparer.Ordinal));
        string input = model.RequiredInputs.Single().Name;
        int count = images.Shape[0], per = images.Length / Math.Max(count, 1);
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var slice = Tensor.Zeros(DataType.Float, [n, .. images.Shape[1..]]);
            images.Floats.Slice(start * per, n * per).CopyTo(slice.Floats);
            session.Bind(new Dictionary<string, Tensor> { [input] = slice }).Run(observer);
        }
        return [.. model.Nodes.Where(n => observer.Ranges.ContainsKey(n.Name)).Select(n =>
        {
            var (lo, hi, elements) = observer.Ranges[n.Name];
            return new ActivationRange(n.Name, n.OpType, n.Outputs[0], lo, hi, elements);
        })];
    }

    /// <summary>A new model with a Clip after each profiled activation; the original is unchanged.</summary>
    public static Model Apply(Model model, IReadOnlyList<ActivationRange> ranges)
    {
        var byNode = ranges.ToDictionary(r => r.Node, StringComparer.Ordinal);
        var renamed = ranges.ToDictionary(r => r.Value, r => r.Value + Suffix, StringComparer.Ordinal);
        var initializers = new Dictionary<string, Tensor>(model.Initializers, StringComparer.Ordinal);
        bool inputs = model.Opset >= 11;
        var nodes = new List<Node>();
        foreach (var node in model.Nodes)
        {
            // Consumers read the clipped value; the activation itself still writes the original name.
            nodes.Add(node.Inputs.Any(renamed.ContainsKey) ? new Node
            {
                Name = node.Name, OpType = node.OpType, Domain = node.Domain, Attributes = node.Attributes,
                Inputs = [.. node.Inputs.Select(i => renamed.GetValueOrDefault(i, i))], Outputs = node.Outputs,
            } : node);
            if (!byNode.TryGetValue(node.Name, out var r)) continue;
            string name = node.Name + Suffix;
            var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
            string[] clipInputs = [r.Value];
            if (inputs)
            {
                initializers[r.Value + ".clip_min"] = Tensor.Scalar(r.Low);
                initializers[r.Value + ".clip_max"] = Tensor.Scalar(r.High);
                clipInputs = [r.Value, r.Value + ".clip_min", r.Value + ".clip_max"];
            }
            else
            {
                attributes["min"] = r.Low;
                attributes["max"] = r.High;
            }
            nodes.Add(new Node { Name = name, OpType = "Clip", Inputs = clipInputs, Outputs = [renamed[r.Value]], Attributes = new Attributes(attributes, name) });
        }
        return model.With(nodes, initializers);
    }

    /// <summary>The cost: two stored bounds per clipped activation as a share of the weights' bits (memory), and two
    /// comparisons per clipped element against the model's multiply-accumulates per image (compute).</summary>
    public static ProtectionCost Cost(IReadOnlyList<ActivationRange> ranges, long parameters, int wordBits, long macsPerImage)
    {
        double memory = 100.0 * 2 * 32 * ranges.Count / ((double)parameters * wordBits);
        double compute = macsPerImage == 0 ? 0 : 100.0 * 2 * ranges.Sum(r => r.ElementsPerImage) / macsPerImage;
        return new ProtectionCost("clip", "range restriction (Clip after each activation at its profiled bounds)", parameters, wordBits, 0, 0,
            memory, 0, compute, EccProtection.All(parameters, wordBits).EccPct);
    }

    sealed class RangeObserver(HashSet<string> nodes) : IOutputObserver
    {
        public Dictionary<string, (float Low, float High, long ElementsPerImage)> Ranges { get; } = new(StringComparer.Ordinal);

        public void OnOutput(PlannedNode node, int outputIndex, Tensor output)
        {
            if (outputIndex != 0 || !nodes.Contains(node.Name) || output.Type != DataType.Float) return;
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            foreach (float v in output.Floats)
            {
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
            long per = output.Shape.Length > 0 && output.Shape[0] > 0 ? output.Length / output.Shape[0] : output.Length;
            Ranges[node.Name] = Ranges.TryGetValue(node.Name, out var r) ? (Math.Min(r.Low, lo), Math.Max(r.High, hi), per) : (lo, hi, per);
        }
    }
}
