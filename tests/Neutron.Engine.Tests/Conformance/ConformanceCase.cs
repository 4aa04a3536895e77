// One case of the official ONNX backend tests (Debian libonnx-testdata): a model.onnx and test_data_set_*/
// input_*.pb / output_*.pb. Runs the engine on every data set and compares each output at rtol 1e-3 / atol 1e-5
// (NaN equals NaN). The runner lives in OnnxConformanceTests; this file only knows how to run one case.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Conformance;

public static class ConformanceCase
{
    public const double RelativeTolerance = 1e-3, AbsoluteTolerance = 1e-5;

    /// <summary>Null when every data set matches, otherwise one line naming the first data set and output that
    /// does not match (with the worst element) or the error the engine raised.</summary>
    public static string? Run(string caseFolder)
    {
        Model model;
        try { model = OnnxReader.Load(Path.Combine(caseFolder, "model.onnx")); }
        catch (Exception e) when (e is ModelException or FormatException) { return Describe(e); }
        if (model.Inputs.Concat(model.Outputs).FirstOrDefault(v => v.Type == DataType.Undefined) is { } other)
            return $"graph value '{other.Name}' is not a tensor (a sequence, map or optional); only tensors are supported";
        foreach (var set in Directory.GetDirectories(caseFolder, "test_data_set_*").Order(StringComparer.Ordinal))
        {
            string? failure;
            try { failure = RunSet(model, ReadAll(set, "input_"), ReadAll(set, "output_")); }
            catch (Exception e) when (e is ModelException or FormatException) { return Describe(e); }
            if (failure is not null) return $"{Path.GetFileName(set)}: {failure}";
        }
        return null;
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";

    private static string? RunSet(Model model, Tensor[] inputs, Tensor[] expected)
    {
        var required = model.RequiredInputs.ToArray();
        if (inputs.Length != required.Length)
            return $"data set holds {inputs.Length} inputs, the model requires {required.Length}";
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) feeds[required[i].Name] = AsDeclared(inputs[i], required[i].Type);
        expected = expected.Select((t, i) => i < model.Outputs.Count ? AsDeclared(t, model.Outputs[i].Type) : t).ToArray();
        Dictionary<string, Tensor> results;
        try
        {
            results = new InferenceSession(model).Run(feeds);
        }
        catch (ModelException e) when (e.Message.Contains("data-dependent", StringComparison.Ordinal))
        {
            // The engine fixes every shape at load, so inputs that decide a shape (Reshape's shape, Slice's starts,
            // Resize's scales...) must be known then: bind the test's inputs as constants and run again.
            var initializers = new Dictionary<string, Tensor>(model.Initializers, StringComparer.Ordinal);
            foreach (var (name, tensor) in feeds) initializers[name] = tensor;
            var bound = new Model
            {
                Nodes = model.Nodes, Initializers = initializers, Inputs = model.Inputs, Outputs = model.Outputs,
                Opsets = model.Opsets, GraphName = model.GraphName, IrVersion = model.IrVersion, Path = model.Path,
            };
            results = new InferenceSession(bound).Run(new Dictionary<string, Tensor>());
        }
        if (expected.Length != model.Outputs.Count)
            return $"data set holds {expected.Length} outputs, the model declares {model.Outputs.Count}";
        for (int o = 0; o < expected.Length; o++)
        {
            string name = model.Outputs[o].Name;
            if (Compare(results[name], expected[o]) is { } mismatch) return $"output {o} '{name}': {mismatch}";
        }
        return null;
    }

    /// <summary>ONNX 1.12 wrote bfloat16 test data as uint16 tensors holding the bit patterns; read them as bfloat16.</summary>
    private static Tensor AsDeclared(Tensor t, DataType declared)
    {
        if (declared != DataType.BFloat16 || t.Type != DataType.UInt16) return t;
        var values = new float[t.Length];
        for (int i = 0; i < values.Length; i++) values[i] = BFloat16.ToFloat((ushort)t.Longs[i]);
        return Tensor.FromFloats(DataType.BFloat16, values, t.Shape);
    }

    /// <summary>Null when equal within tolerance, otherwise what differs (type, shape, or the worst element).</summary>
    public static string? Compare(Tensor actual, Tensor expected)
    {
        if (actual.Type != expected.Type) return $"type {actual.Type.Name()}, expected {expected.Type.Name()}";
        if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape)) return $"shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}";
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i), e = expected.GetDouble(i);
            if (double.IsNaN(a) && double.IsNaN(e)) continue;
            if (a == e) continue; // equal infinities
            double excess = Math.Abs(a - e) - (AbsoluteTolerance + RelativeTolerance * Math.Abs(e));
            if (double.IsNaN(excess) || excess > 0)
            {
                if (worst < 0 || double.IsNaN(excess) || excess > worstExcess) { worst = i; worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess; }
            }
        }
        if (worst < 0) return null;
        return $"element {worst} of {expected.Length} is {actual.GetDouble(worst):R}, expected {expected.GetDouble(worst):R}";
    }

    private static Tensor[] ReadAll(string set, string prefix)
    {
        var files = Directory.GetFiles(set, prefix + "*.pb");
        Array.Sort(files, (a, b) => Index(a).CompareTo(Index(b)));
        return files.Select(f => TensorProtoConverter.ToTensor(TensorProto.Parser.ParseFrom(File.ReadAllBytes(f)), f, null)).ToArray();

        int Index(string f) => int.Parse(Path.GetFileNameWithoutExtension(f).AsSpan(prefix.Length));
    }
}
