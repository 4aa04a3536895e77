// Range restriction on a hand-built two-layer network: the bounds are the extremes seen on the profiling inputs, the
// protected model gives the same outputs on them and clips a value beyond them, its ONNX file reads back and (where
// Debian's python3-onnx is installed) passes the ONNX checker; before opset 11 the bounds are Clip attributes.
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;
using Neutron.Protection.Protection;

namespace Neutron.Protection.Tests.Protection;

public class RangeRestrictionTests
{
    static Model Network(long opset) => new()
    {
        Opsets = new() { [""] = opset },
        Inputs = [new ValueInfo("x", DataType.Float, [-1, 4])],
        Outputs = [new ValueInfo("y", DataType.Float, [-1, 2])],
        Initializers = new()
        {
            ["w1"] = Tensor.FromFloats([1, -1, 0.5f, 0, 0, 1, 1, -0.5f, -1, 0, 2, 1], 3, 4),
            ["w2"] = Tensor.FromFloats([1, 2, -1, 0.5f, -1, 1], 2, 3),
        },
        Nodes =
        [
            new Node { Name = "fc1", OpType = "Gemm", Inputs = ["x", "w1"], Outputs = ["h"], Attributes = new Attributes(new() { ["transB"] = 1L }, "fc1") },
            new Node { Name = "relu1", OpType = "Relu", Inputs = ["h"], Outputs = ["a"], Attributes = new Attributes([], "relu1") },
            new Node { Name = "fc2", OpType = "Gemm", Inputs = ["a", "w2"], Outputs = ["y"], Attributes = new Attributes(new() { ["transB"] = 1L }, "fc2") },
        ],
    };

    static Tensor Inputs(int n, float scale)
    {
        var x = new float[n * 4];
        for (int i = 0; i < x.Length; i++) x[i] = scale * MathF.Sin(1.7f * i + 0.3f);
        return Tensor.FromFloats(x, n, 4);
    }

    [Fact]
    public void Bounds_are_the_profiled_extremes_and_the_outputs_on_those_inputs_do_not_change()
    {
        var model = Network(13);
        var x = Inputs(10, 1);
        var ranges = RangeRestriction.Profile(model, x, batch: 3);
        var r = Assert.Single(ranges);
        var a = new InferenceSession(model).Run(new Dictionary<string, Tensor> { ["x"] = x }, ["a"])["a"].Floats.ToArray();
        Assert.Equal(("relu1", "a", 0f, a.Max(), 3L), (r.Node, r.Value, r.Low, r.High, r.ElementsPerImage));
        Assert.True(r.High > 0);

        var protectedModel = RangeRestriction.Apply(model, ranges);
        Assert.Equal(3, model.Nodes.Count); // the original is unchanged
        var clip = Assert.Single(protectedModel.Nodes, n => n.OpType == "Clip");
        Assert.Equal(["a", "a.clip_min", "a.clip_max"], clip.Inputs);
        Assert.Equal(["a" + RangeRestriction.Suffix], clip.Outputs);
        Assert.Equal("a" + RangeRestriction.Suffix, protectedModel.Nodes.Single(n => n.Name == "fc2").Inputs[0]);
        Assert.Equal(new InferenceSession(model).Run(x).Floats.ToArray(), new InferenceSession(protectedModel).Run(x).Floats.ToArray());
    }

    [Fact]
    public void A_value_beyond_the_bounds_is_clipped_and_the_written_model_reads_back()
    {
        var model = Network(13);
        var ranges = RangeRestriction.Profile(model, Inputs(10, 1));
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "clip.onnx");
        OnnxWriter.Save(RangeRestriction.Apply(model, ranges), path);
        var read = OnnxReader.Load(path);
        var big = Inputs(4, 50);
        var values = new InferenceSession(read).Run(new Dictionary<string, Tensor> { ["x"] = big }, ["a", "a" + RangeRestriction.Suffix]);
        float high = ranges[0].High;
        Assert.True(values["a"].Floats.ToArray().Max() > high, "the large inputs do not leave the profiled range");
        Assert.True(values["a" + RangeRestriction.Suffix].Floats.ToArray().Max() <= high);
        Assert.NotEqual(new InferenceSession(model).Run(big).Floats.ToArray(), new InferenceSession(read).Run(big).Floats.ToArray());
    }

    [Fact]
    public void Before_opset_11_the_bounds_are_attributes()
    {
        var model = Network(9);
        var ranges = RangeRestriction.Profile(model, Inputs(10, 1));
        var clip = Assert.Single(RangeRestriction.Apply(model, ranges).Nodes, n => n.OpType == "Clip");
        Assert.Equal(["a"], clip.Inputs);
        Assert.Equal((ranges[0].Low, ranges[0].High), (clip.Attributes.Float("min", float.NaN), clip.Attributes.Float("max", float.NaN)));
        var big = Inputs(4, 50);
        var protectedRun = new InferenceSession(RangeRestriction.Apply(model, ranges)).Run(new Dictionary<string, Tensor> { ["x"] = big }, ["a" + RangeRestriction.Suffix]);
        Assert.True(protectedRun["a" + RangeRestriction.Suffix].Floats.ToArray().Max() <= ranges[0].High);
    }

    [OnnxCheckerFact]
    public void The_protected_model_passes_the_onnx_checker()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "clip.onnx");
        var model = Network(13);
        OnnxWriter.Save(RangeRestriction.Apply(model, RangeRestriction.Profile(model, Inputs(10, 1))), path);
        var (code, output) = RunPython("-c", "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(sum(n.op_type=='Clip' for n in m.graph.node))", path);
        Assert.True(code == 0, output);
        Assert.Equal("1", output.Trim());
    }

    /// <summary>Skipped, with the reason, when /usr/bin/python3 cannot import onnx.</summary>
    public sealed class OnnxCheckerFactAttribute : FactAttribute
    {
        public OnnxCheckerFactAttribute()
        {
            if (!File.Exists("/usr/bin/python3") || RunPython("-c", "import onnx").Code != 0) Skip = "/usr/bin/python3 cannot import onnx; install Debian's python3-onnx";
        }
    }

    static (int Code, string Output) RunPython(params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("neutron-clip-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
