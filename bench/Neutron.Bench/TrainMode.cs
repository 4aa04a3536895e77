// `train [IMAGES] [--profile]`: seconds for one LeNet-5 training epoch (SGD, batch 64, no augmentation) on the
// first IMAGES Fashion-MNIST training images (default all 60,000), wall and process CPU time; with --profile,
// the split between forward, backward and the optimizer over 50 batches. bench/compare-torch-train.sh runs it.
using System.Diagnostics;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Data;
using Neutron.Engine.Training;

namespace Neutron.Bench;

public static class TrainMode
{
    public static int Run(string[] args)
    {
        int images = args.Length > 0 && int.TryParse(args[0], out int n) ? n : 60_000;
        var spec = DataSpec.Parse("idx:/usr/share/datasets/fashion-mnist/train");
        var set = ImageSet.From(spec.Load(new DataOptions { Limit = images }), spec.DefaultNormalization());
        var net = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 1));
        if (args.Contains("--profile")) return Profile(net, set);
        var options = new TrainerOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.05f, Schedule = ScheduleKind.Constant };
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var report = new Trainer(net, options).Fit(set)[0];
        double wall = clock.Elapsed.TotalSeconds, cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine($"neutron lenet5 epoch: {set.Count} images, {wall:F2} s wall, {cpuSeconds:F2} s cpu, loss {report.Loss:F4}, train accuracy {report.Accuracy:P2}");
        return 0;
    }

    private static int Profile(ModelTape net, ImageSet set)
    {
        var sgd = new Sgd(net.Parameters, 0.9f, 5e-4f);
        var forward = new Stopwatch();
        var backward = new Stopwatch();
        var step = new Stopwatch();
        int batches = Math.Min(50, set.Count / 64);
        for (int b = 0; b < batches; b++)
        {
            var x = new Var(set.Images[(b * 64 * set.ImageSize)..((b + 1) * 64 * set.ImageSize)], [64, 1, 28, 28]);
            var tape = new Tape { Training = true };
            forward.Start();
            var loss = tape.SoftmaxCrossEntropy(net.Forward(tape, x), set.Labels.AsSpan(b * 64, 64));
            forward.Stop();
            backward.Start();
            tape.Backward(loss);
            backward.Stop();
            step.Start();
            sgd.Step(0.05f);
            step.Stop();
        }
        Console.WriteLine($"{batches} batches of 64: forward {forward.Elapsed.TotalMilliseconds / batches:F2} ms, backward {backward.Elapsed.TotalMilliseconds / batches:F2} ms, step {step.Elapsed.TotalMilliseconds / batches:F2} ms per batch");
        return 0;
    }
}
