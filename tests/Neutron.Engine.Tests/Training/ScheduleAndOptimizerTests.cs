// Learning-rate schedules at known points, optimizer steps against hand-computed PyTorch-convention updates,
// augmentation geometry, and seeded determinism of the training loop.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;

namespace Neutron.Engine.Tests.Training;

public class ScheduleAndOptimizerTests
{
    [Fact]
    public void Schedules()
    {
        var cosine = new LearningRateSchedule(ScheduleKind.Cosine, 0.1f, 10);
        Assert.Equal(0.1f, cosine.At(0), 6);
        Assert.Equal(0.05f, cosine.At(5), 6);
        Assert.Equal(0f, cosine.At(10), 6);
        var step = new LearningRateSchedule(ScheduleKind.Step, 0.1f, 8);
        Assert.Equal(0.1f, step.At(3.9), 6);
        Assert.Equal(0.01f, step.At(4), 6);
        Assert.Equal(0.001f, step.At(6), 6);
        Assert.Equal(0.01f, new LearningRateSchedule(ScheduleKind.Step, 0.1f, 8, StepEpochs: 3).At(5), 6);
    }

    [Fact]
    public void Sgd_momentum_and_weight_decay()
    {
        var p = Var.Parameter([1f], [1], "p");
        var sgd = new Sgd([p], momentum: 0.9f, weightDecay: 0.1f);
        p.GradBuffer[0] = 2f;
        sgd.Step(0.5f);            // v = 2 + 0.1·1 = 2.1, p = 1 − 1.05
        Assert.Equal(-0.05f, p.Data[0], 6);
        Assert.Equal(0f, p.Grad![0]);
        p.Grad[0] = 1f;
        sgd.Step(0.5f);            // v = 0.9·2.1 + 1 − 0.005 = 2.885, p = −0.05 − 1.4425
        Assert.Equal(-1.4925f, p.Data[0], 5);
    }

    [Fact]
    public void Adam_first_step_moves_by_the_learning_rate()
    {
        // Bias correction makes Adam's first step lr·sign(g), whatever |g|.
        var p = Var.Parameter([1f, 1f], [2], "p");
        var adam = new Adam([p]);
        p.GradBuffer[0] = 3f;
        p.GradBuffer[1] = -0.01f;
        adam.Step(0.1f);
        Assert.Equal(0.9f, p.Data[0], 5);
        Assert.Equal(1.1f, p.Data[1], 4);
    }

    [Fact]
    public void Crop_shifts_and_pads_with_background()
    {
        var image = Enumerable.Range(0, 16).Select(i => (float)i).ToArray(); // 1×4×4
        var outImage = new float[16];
        // Find a draw with a non-zero shift and check it against the definition.
        for (int seed = 0; seed < 50; seed++)
        {
            var probe = new Random(seed);
            int dy = probe.Next(-1, 2), dx = probe.Next(-1, 2);
            new Augmentation(1, false).Apply(image, outImage, 1, 4, 4, [-9f], new Random(seed));
            for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                int sy = y + dy, sx = x + dx;
                float expected = sy is >= 0 and < 4 && sx is >= 0 and < 4 ? image[sy * 4 + sx] : -9f;
                Assert.Equal(expected, outImage[y * 4 + x]);
            }
        }
    }

    [Fact]
    public void Flip_mirrors_rows()
    {
        var image = Enumerable.Range(0, 6).Select(i => (float)i).ToArray(); // 1×2×3
        var result = new float[6];
        bool sawFlip = false;
        for (int seed = 0; seed < 20; seed++)
        {
            new Augmentation(0, true).Apply(image, result, 1, 2, 3, [0f], new Random(seed));
            if (result[0] == 2f) { sawFlip = true; Assert.Equal([2f, 1f, 0f, 5f, 4f, 3f], result); }
            else Assert.Equal(image, result);
        }
        Assert.True(sawFlip);
    }

    [Fact]
    public void Same_seed_same_weights()
    {
        float[] Train()
        {
            var net = new ModelTape(Architectures.LeNet5(1, 28, 28, 10, seed: 9));
            new Trainer(net, new TrainerOptions { Epochs = 1, BatchSize = 8, Seed = 5, Augmentation = new Augmentation(2, true) })
                .Fit(ExportTests.RandomSet(24, 1, 28, 6));
            return net.Parameters.SelectMany(p => p.Data).ToArray();
        }
        Assert.Equal(Train(), Train());
    }
}
