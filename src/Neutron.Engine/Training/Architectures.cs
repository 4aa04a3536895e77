// The architectures `neutron train --arch` offers, for 1×28×28 (Fashion-MNIST) and 3×32×32 (CIFAR-like) inputs.
// LeNet-5: conv5×5-6 (pad 2 on 28×28), ReLU, max-pool, conv5×5-16, ReLU, max-pool, fc120, fc84, fc10.
// ResNet-20: conv3×3-16, 3 stages × 3 basic blocks (16/32/64 channels, stride 2 entering stages 2 and 3,
// 1×1 conv + BN shortcut when the shape changes), global average pool, fc10.
using Neutron.Engine.Graph;

namespace Neutron.Engine.Training;

public static class Architectures
{
    public static readonly string[] Names = ["lenet5", "resnet20"];

    public static Model Create(string name, int channels, int height, int width, int classes, int seed) => name switch
    {
        "lenet5" => LeNet5(channels, height, width, classes, seed),
        "resnet20" => ResNet20(channels, height, width, classes, seed),
        _ => throw new ArgumentException($"unknown architecture '{name}'; choose one of {string.Join(", ", Names)}", nameof(name)),
    };

    public static Model LeNet5(int channels, int height, int width, int classes, int seed)
    {
        // 28×28 inputs get pad 2 so the first conv sees 32×32 as LeCun's original; 32×32 inputs need none.
        int pad = height < 32 ? (32 - height) / 2 : 0;
        int h = (height + 2 * pad - 4) / 2, w = (width + 2 * pad - 4) / 2;
        h = (h - 4) / 2;
        w = (w - 4) / 2;
        if (h < 1 || w < 1) throw new ArgumentException($"LeNet-5 needs inputs of at least 28×28, got {height}×{width}");
        var b = new NetworkBuilder(seed);
        var x = b.Relu(b.Conv(NetworkBuilder.InputName, "conv1", channels, 6, 5, pad: pad), "relu1");
        x = b.MaxPool(x, "pool1", 2, 2);
        x = b.Relu(b.Conv(x, "conv2", 6, 16, 5), "relu2");
        x = b.MaxPool(x, "pool2", 2, 2);
        x = b.Flatten(x, "flatten");
        x = b.Relu(b.Linear(x, "fc1", 16 * h * w, 120), "relu3");
        x = b.Relu(b.Linear(x, "fc2", 120, 84), "relu4");
        b.Linear(x, "fc3", 84, classes, NetworkBuilder.OutputName);
        return b.Build(channels, height, width, classes, "lenet5");
    }

    public static Model ResNet20(int channels, int height, int width, int classes, int seed)
    {
        var b = new NetworkBuilder(seed);
        var x = b.Relu(b.BatchNorm(b.Conv(NetworkBuilder.InputName, "conv1", channels, 16, 3, pad: 1, bias: false), "bn1", 16), "relu1");
        int inC = 16;
        int[] widths = [16, 32, 64];
        for (int stage = 0; stage < 3; stage++)
        {
            for (int block = 0; block < 3; block++)
            {
                int outC = widths[stage], stride = stage > 0 && block == 0 ? 2 : 1;
                string p = $"layer{stage + 1}.{block}";
                var y = b.Relu(b.BatchNorm(b.Conv(x, p + ".conv1", inC, outC, 3, stride, 1, bias: false), p + ".bn1", outC), p + ".relu1");
                y = b.BatchNorm(b.Conv(y, p + ".conv2", outC, outC, 3, 1, 1, bias: false), p + ".bn2", outC);
                var shortcut = stride != 1 || inC != outC
                    ? b.BatchNorm(b.Conv(x, p + ".shortcut.0", inC, outC, 1, stride, 0, bias: false), p + ".shortcut.1", outC)
                    : x;
                x = b.Relu(b.Sum(y, shortcut, p + ".add"), p + ".relu2");
                inC = outC;
            }
        }
        x = b.Flatten(b.GlobalAveragePool(x, "avgpool"), "flatten");
        b.Linear(x, "fc", 64, classes, NetworkBuilder.OutputName);
        return b.Build(channels, height, width, classes, "resnet20");
    }
}
