// CIFAR-10/100 binary batches written by the test: record layout, label bytes, class names, split choice,
// default normalisation, and the errors for truncated files and out-of-range labels.
using Neutron.Engine.Data;

namespace Neutron.Engine.Tests.Data;

public class CifarTests
{
    private static byte[] Records(int count, int labelBytes, Func<int, int, byte> label)
    {
        int record = 3072 + labelBytes;
        var bytes = new byte[count * record];
        for (int r = 0; r < count; r++)
        {
            for (int l = 0; l < labelBytes; l++) bytes[r * record + l] = label(r, l);
            for (int p = 0; p < 3072; p++) bytes[r * record + labelBytes + p] = (byte)((p / 1024) * 100 + r); // channel*100 + record
        }
        return bytes;
    }

    [Fact]
    public void Cifar10_test_batch_loads_as_nchw_with_names()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("test_batch.bin"), Records(3, 1, (r, _) => (byte)(r + 4)));
        File.WriteAllLines(dir.File("batches.meta.txt"), ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", ""]);
        var data = DataSpec.Load($"cifar:{dir.Path}", new DataOptions { Mean = [0], Std = [1] });
        Assert.Equal([3, 3, 32, 32], data.Images.Shape);
        Assert.Equal([4L, 5L, 6L], data.Labels);
        Assert.Equal(10, data.ClassNames!.Length);
        // Image 2, channel 1 (green), any pixel: 100 + 2.
        Assert.Equal(102 / 255f, data.Images.Floats[(2 * 3 + 1) * 1024 + 500]);
        var normalised = DataSpec.Load($"cifar:{dir.Path}", new DataOptions { Limit = 1 });
        Assert.Single(normalised.Labels);
        Assert.Equal((0 / 255f - 0.4914f) / 0.2470f, normalised.Images.Floats[0]);
    }

    [Fact]
    public void Cifar100_reads_fine_or_coarse_label()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("test.bin"), Records(2, 2, (r, l) => (byte)(l == 0 ? 10 + r : 90 + r)));
        Assert.Equal([90L, 91L], DataSpec.Load($"cifar:{dir.Path}").Labels);
        Assert.Equal([10L, 11L], DataSpec.Load($"cifar:{dir.Path},labels=coarse").Labels);
        Assert.Throws<FileNotFoundException>(() => DataSpec.Load($"cifar:{dir.Path},split=train"));
    }

    [Fact]
    public void Truncated_batch_names_file_and_record_size()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("test_batch.bin"), Records(2, 1, (_, _) => 1)[..5000]);
        var e = Assert.Throws<FormatException>(() => DataSpec.Load($"cifar:{dir.Path}"));
        Assert.Contains("test_batch.bin", e.Message);
        Assert.Contains("3073", e.Message);
    }

    [Fact]
    public void Label_out_of_range_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("test_batch.bin"), Records(1, 1, (_, _) => 12));
        var e = Assert.Throws<FormatException>(() => DataSpec.Load($"cifar:{dir.Path}"));
        Assert.Contains("label 12", e.Message);
    }
}
