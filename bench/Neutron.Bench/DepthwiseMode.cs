// `depthwise [REPS] [clip|silu|hardswish|none] [INPUT] [--channels-last] [--images N] [--threads N] [--cold]`: the
// depthwise layers of MobileNetV2 (3×3) and EfficientNet-B0 (5×5) through the Conv operator with a fused activation
// (Clip(0, 6) unless named), at a 224² input (or INPUT², e.g. 96 for the planes of tests/data/make_torchvision.py's
// exports): the best of REPS runs per layer, in µs, after a warm-up of at least a second per layer (the JIT's last
// tier comes after some hundred calls; a shorter warm-up would time the first tier's code). One image on one thread by default.
// --channels-last runs the layout the optimised graph gives every value between convolutions (the depthwise kernel
// of DepthwiseConv.ChannelsLast); without it, planar NCHW, as a graph that stores its values so runs. --images and
// --threads give a network's batch and its worker threads; --cold writes 64 MiB between runs, so the layer reads its
// input from memory as it does after the layer before it in a network, where the best of warm runs reads it from the
// caches. The best run is what a loaded machine perturbs least, so two builds can be compared on it.
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

    private const double WarmUpSeconds = 1;
    private const int ColdBytes = 64 << 20;

    public static int Run(string[] args)
    {
        var positional = new List<string>();
        bool channelsLast = false, cold = false;
        int images = 1, threads = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--channels-last": channelsLast = true; break;
                case "--cold": cold = true; break;
                case "--images" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0: images = n; i++; break;
                case "--threads" when i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t > 0: threads = t; i++; break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    Console.Error.WriteLine($"depthwise: unknown or incomplete option '{flag}'; use --channels-last, --images N, --threads N, --cold");
                    return 2;
                default: positional.Add(args[i]); break;
            }
        }
        int reps = positional.Count > 0 && int.TryParse(positional[0], out int r) && r > 0 ? r : positional.Count > 0 ? -1 : 200;
        if (reps < 0)
        {
            Console.Error.WriteLine($"depthwise: REPS '{positional[0]}' must be a positive number of runs");
            return 2;
        }
        string name = positional.Count > 1 ? positional[1] : "clip";
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
        int input = positional.Count > 2 && int.TryParse(positional[2], out int given) ? given : 224;
        if (input <= 0 || input % 32 != 0)
        {
            Console.Error.WriteLine($"depthwise: input '{positional[2]}' must be a positive multiple of 32 (the networks halve it five times)");
            return 2;
        }
        Parallelism.MaxThreads = threads;
        var flush = cold ? new byte[ColdBytes] : null;
        Console.WriteLine($"kernel set {KernelSet.VariantName}, fused {(epilogue.IsNone ? "nothing" : epilogue.ToString())}, {input}² input, "
            + $"{(channelsLast ? "channels last" : "planar")}, {images} image{(images == 1 ? "" : "s")}, {threads} thread{(threads == 1 ? "" : "s")}, "
            + $"{(cold ? "input from memory" : "caches warm")}, best of {reps} runs");
        double total = 0;
        foreach (var (c, full, k, s) in Layers)
        {
            int size = full * input / 224;
            var rng = new Random(1);
            // Values only matter to the kernels' speed through denormals, which none of these are.
            var x = Tensor.FromFloats(Enumerable.Range(0, images * c * size * size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), images, c, size, size);
            var w = Tensor.FromFloats(Enumerable.Range(0, c * k * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), c, 1, k, k);
            var b = Tensor.FromFloats(new float[c], c);
            long pad = k / 2;
            var attributes = new Dictionary<string, object>
            {
                ["group"] = (long)c, ["pads"] = new[] { pad, pad, pad, pad }, ["strides"] = new long[] { s, s },
            };
            var node = new Node { Name = "dw", OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["y"], Attributes = new Attributes(attributes, "dw") };
            var op = new Conv(node, 13) { Epilogue = epilogue, InputChannelsLast = channelsLast, OutputChannelsLast = channelsLast };
            var type = op.Infer([new TensorType(DataType.Float, x.Shape), new TensorType(DataType.Float, w.Shape), new TensorType(DataType.Float, b.Shape)])[0];
            var y = Tensor.Zeros(DataType.Float, type.Shape);
            var warm = Stopwatch.StartNew();
            for (int run = 0; run < 50 || warm.Elapsed.TotalSeconds < WarmUpSeconds; run++) op.Run([x, w, b], [y]);
            double best = double.MaxValue;
            for (int run = 0; run < reps; run++)
            {
                if (flush is not null) Flush(flush);
                long start = Stopwatch.GetTimestamp();
                op.Run([x, w, b], [y]);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            total += best;
            Console.WriteLine($"{c,5} × {size,3}² {k}×{k} stride {s}: {best,8:F1} µs");
        }
        Console.WriteLine($"sum {total:F0} µs");
        return 0;
    }

    // Writes a line of every 64 bytes: the caches then hold this buffer, not the layer's input.
    private static void Flush(byte[] buffer)
    {
        for (int i = 0; i < buffer.Length; i += 64) buffer[i]++;
    }
}
