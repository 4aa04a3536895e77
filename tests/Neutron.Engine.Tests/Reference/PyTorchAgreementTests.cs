// Our engine against PyTorch: every ../shared model on the reference images reproduces PyTorch's logits
// within 1e-4 absolute and the same top-1 on every image, as stored and as InferenceSession.Optimized rewrites it.
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;

namespace Neutron.Engine.Tests.Reference;

public class PyTorchAgreementTests
{
    [Theory]
    [InlineData("lenet5", false)]
    [InlineData("resnet20", false)]
    [InlineData("lenet5", true)]
    [InlineData("resnet20", true)]
    public void Logits_match_pytorch(string model, bool optimized)
    {
        var loaded = OnnxReader.Load(SharedData.Path("models", model + ".onnx"));
        var session = optimized ? InferenceSession.Optimized(loaded) : new InferenceSession(loaded);
        var x = Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy"));
        var expected = Npy.Load(SharedData.Path("reference", model + "_logits.npy"));
        var y = session.Run(x);
        Assert.Equal(expected.Shape, y.Shape);
        float worst = 0;
        int rows = y.Shape[0], cols = y.Shape[1];
        for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y.Floats[i] - expected.Floats[i]));
        Assert.True(worst <= 1e-4f, $"max |Δ| = {worst}");
        for (int r = 0; r < rows; r++)
            Assert.Equal(ArgMax(expected.Floats.Slice(r * cols, cols)), ArgMax(y.Floats.Slice(r * cols, cols)));
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
