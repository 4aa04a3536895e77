// The tape's forward (ModelTape, what training and gradient sensitivity run) against torch's logits on the torchvision
// models whose operators autodiff covers: Clip's bounds, HardSigmoid's attributes, ceil-mode max pooling and the rest
// must compute what the engine computes, or the gradients would be of another function. DenseNet's Pad and
// ShuffleNet's channel shuffle (shape arithmetic, Transpose, Slice) included.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tests.Reference;
using Neutron.Tests.Shared;

namespace Neutron.Engine.Tests.Autodiff;

public class TapeTorchvisionTests
{
    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("efficientnet_b0")]
    [InlineData("squeezenet1_1")]
    [InlineData("googlenet")]
    [InlineData("resnet18")]
    [InlineData("densenet121")]
    [InlineData("shufflenet_v2_x0_5")]
    public void Tape_forward_matches_torch(string name)
    {
        Assert.Null(TorchvisionExport.Skip.Value);
        var net = new ModelTape(OnnxReader.Load(Path.Combine(TorchvisionExport.Folder, name + ".onnx")));
        var x = Npy.Load(Path.Combine(TorchvisionExport.Folder, name + "_x.npy"));
        var expected = Npy.Load(Path.Combine(TorchvisionExport.Folder, name + "_y.npy"));
        var y = net.Forward(new Tape { Training = false, Recording = false }, new Var(x.Floats.ToArray(), x.Shape));
        Assert.Equal(expected.Shape, y.Shape);
        float scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected.Floats[i]));
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(y.Data[i] - expected.Floats[i]));
        Assert.True(worst <= 1e-3f * Math.Max(1f, scale), $"{name}: worst difference {worst} for logits up to {scale}");
        // Clip's bounds and Pad's fill value are constants of the architecture, never parameters a training step
        // would move. They are float initializers (so without that rule they would be parameters): the check can fail.
        var fixedInputs = net.Model.Nodes.Where(n => n.OpType == "Clip").SelectMany(n => n.Inputs.Skip(1))
            .Concat(net.Model.Nodes.Where(n => n.OpType == "Pad").SelectMany(n => n.Inputs.Skip(2)))
            .Where(i => i.Length > 0).ToHashSet();
        if (name == "mobilenet_v2") Assert.NotEmpty(fixedInputs);
        Assert.All(fixedInputs, i => Assert.True(net.Model.Initializers[i].IsFloating, $"{i} is not a float initializer"));
        Assert.DoesNotContain(net.Parameters, p => fixedInputs.Contains(p.Name));
    }
}
