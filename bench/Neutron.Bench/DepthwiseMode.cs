// `depthwise [REPS] [clip|silu|hardswish|none] [INPUT]`: the depthwise layers of MobileNetV2 (3×3) and
// EfficientNet-B0 (5×5), one image each, through the Conv operator on one thread with a fused activation (Clip(0, 6)
// unless named), at a 224² input (or INPUT², e.g. 96 for the planes of tests/data/make_torchvision.py's exports):
// the best of REPS runs per layer, in µs. The best run is what a loaded machine perturbs least, so two builds can be
// compared on it.
using System.Diagnostics;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Kernels;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Bench;

public static class DepthwiseMode
{
    // (channels, plane, kernel, stride)
    private static readonly (int C, int Size, int K, int S)[] Layers =
    [
        (32, 112, 3, 1), (96, 112, 3, 2), (144, 56, 3, 1), (144, 56, 3, 2), (192, 28, 3, 1), (192, 28, 3, 2),
        (384, 14, 3, 1), (576, 14, 3, 1), (576, 14, 3, 2), (960, 7, 3, 1),
        (240, 28, 5, 2), (480, 14, 5, 1), (672, 14, 5, 2), (1152, 7, 5, 1),
    ];

    public static int Run(string[] args)
    {
        int reps = args.Length > 0 ? int.Parse(args[0]) : 200;
        string name = args.Length > 1 ? args[1] : "clip";
        Activation? chosen = name switch
        {
            "clip" => new Activation(ActivationKind.Clip, 0f, 6f),
            "silu" => new Activation(ActivationKind.Silu),
            "hardswish" => new Activation(ActivationKind.HardSwish),
            "none" => Activation.None,
            _ => null,
        };
        if (chosen is not { } epilogue)
        {
            Console.Error.WriteLine($"depthwise: unknown activation '{name}'; use clip, silu, hardswish or none");
            return 2;
        }
        int input = args.Length > 2 && int.TryParse(args[2], out int given) ? given : 224;
        if (input <= 0 || input % 32 != 0)
        {
            Console.Error.WriteLine($"depthwise: input '{args[2]}' must be a positive multiple of 32 (the networks halve it five times)");
            return 2;
        }
        Parallelism.MaxThreads = 1;
        Console.WriteLine($"kernel set {KernelSet.VariantName}, fused {(epilogue.IsNone ? "nothing" : epilogue.ToString())}, {input}² input, best of {reps} runs, one image, one thread");
        double total = 0;
        foreach (var (c, full, k, s) in Layers)
        {
            int size = full * input / 224;
            var rng = new Random(1);
            var x = Tensor.FromFloats(Enumerable.Range(0, c * size * size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), 1, c, size, size);
            var w = Tensor.FromFloats(Enumerable.Range(0, c * k * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), c, 1, k, k);
            var b = Tensor.FromFloats(new float[c], c);
            long pad = k / 2;
            var attributes = new Dictionary<string, object>
            {
                ["group"] = (long)c, ["pads"] = new[] { pad, pad, pad, pad }, ["strides"] = new long[] { s, s },
            };
            var node = new Node { Name = "dw", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "dw") };
            var op = new Conv(node, 13) { Epilogue = epilogue };
            var type = op.Infer([new TensorType(DataType.Float, x.Shape), new TensorType(DataType.Float, w.Shape), new TensorType(DataType.Float, b.Shape)])[0];
            var y = Tensor.Zeros(DataType.Float, type.Shape);
            double best = double.MaxValue;
            for (int r = 0; r < reps + 20; r++)
            {
                long start = Stopwatch.GetTimestamp();
                op.Run([x, w, b], [y]);
                double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (r >= 20) best = Math.Min(best, us);
            }
            total += best;
            Console.WriteLine($"{c,5} × {size,3}² {k}×{k} stride {s}: {best,8:F1} µs");
        }
        Console.WriteLine($"sum {total:F0} µs");
        return 0;
    }
}
