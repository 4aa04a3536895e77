// The tape's forward (ModelTape, what training and gradient sensitivity run) against torch's logits on the torchvision
// models whose operators autodiff covers: Clip's bounds, HardSigmoid's attributes, ceil-mode max pooling and the rest
// must compute what the engine computes, or the gradients would be of another function. Densenet (Pad) and ShuffleNet
// (shape arithmetic) are outside autodiff and are refused naming the operator.
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
        // Clip's bounds are constants, never parameters a training step would move.
        var clipBounds = net.Model.Nodes.Where(n => n.OpType == "Clip").SelectMany(n => n.Inputs.Skip(1)).ToHashSet();
        Assert.DoesNotContain(net.Parameters, p => clipBounds.Contains(p.Name));
    }

    [TheoryRequiring(TorchvisionExport.Python, "Debian's python3-torch and python3-torchvision", "torch, torchvision")]
    [InlineData("densenet121", "Pad")]
    [InlineData("shufflenet_v2_x0_5", "Shape")]
    public void A_model_outside_autodiff_is_refused_naming_the_operator(string name, string op)
    {
        Assert.Null(TorchvisionExport.Skip.Value);
        var e = Assert.Throws<ModelException>(() => new ModelTape(OnnxReader.Load(Path.Combine(TorchvisionExport.Folder, name + ".onnx"))));
        Assert.Contains("not " + op, e.Message);
    }
}
