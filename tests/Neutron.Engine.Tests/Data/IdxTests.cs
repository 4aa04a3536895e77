// IDX reader: plain and gzip files the test writes, limits, and the errors for bad magic, truncation and count
// mismatch; and the real Fashion-MNIST test set against ../shared/reference when the Debian package is present.
using System.Buffers.Binary;
using System.IO.Compression;
using Neutron.Engine.Data;

using Neutron.Tests.Shared;

namespace Neutron.Engine.Tests.Data;

public class IdxTests
{
    internal static byte[] IdxBytes(int[] shape, Func<int, byte> value)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[4 + 4 * shape.Length + count];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        for (int i = 0; i < count; i++) bytes[4 + 4 * shape.Length + i] = value(i);
        return bytes;
    }

    internal static void WriteGz(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_plain_and_gzip(bool gzip)
    {
        using var dir = new TempDir();
        var bytes = IdxBytes([5, 2, 3], i => (byte)(i * 7));
        string path = dir.File("a-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        if (gzip) WriteGz(path, bytes); else File.WriteAllBytes(path, bytes);
        var idx = Idx.Load(path);
        Assert.Equal([5, 2, 3], idx.Shape);
        Assert.Equal(5, idx.DeclaredCount);
        Assert.Equal((byte)(29 * 7), idx.Data[29]);
        var limited = Idx.Load(path, 2);
        Assert.Equal([2, 2, 3], limited.Shape);
        Assert.Equal(12, limited.Data.Length);
        Assert.Equal(5, limited.DeclaredCount);
    }

    [Fact]
    public void Bad_magic_names_the_file()
    {
        using var dir = new TempDir();
        string path = dir.File("bad");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<FormatException>(() => Idx.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("bad magic", e.Message);
    }

    [Fact]
    public void Truncated_data_says_how_much_is_there()
    {
        using var dir = new TempDir();
        string path = dir.File("short.gz");
        var bytes = IdxBytes([4, 2, 2], _ => 1);
        WriteGz(path, bytes[..^5]);
        var e = Assert.Throws<FormatException>(() => Idx.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("2 of 4 records", e.Message);
    }

    [Fact]
    public void Count_mismatch_between_images_and_labels_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("s-images-idx3-ubyte"), IdxBytes([3, 2, 2], _ => 0));
        File.WriteAllBytes(dir.File("s-labels-idx1-ubyte"), IdxBytes([4], _ => 0));
        var e = Assert.Throws<FormatException>(() => DataSpec.Load("idx:" + dir.File("s")));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("4 labels", e.Message);
    }

    [Fact]
    public void Idx_spec_defaults_to_fashion_mnist_normalisation()
    {
        using var dir = new TempDir();
        WriteGz(dir.File("s-images-idx3-ubyte.gz"), IdxBytes([3, 2, 2], i => (byte)(i * 20)));
        File.WriteAllBytes(dir.File("s-labels-idx1-ubyte"), IdxBytes([3], i => (byte)(2 - i)));
        var data = DataSpec.Load("idx:" + dir.File("s"), new DataOptions { Limit = 2 });
        Assert.Equal([2, 1, 2, 2], data.Images.Shape);
        Assert.Equal([2L, 1L], data.Labels);
        Assert.Equal((100 / 255f - 0.286f) / 0.353f, data.Images.Floats[5]);
        var raw = DataSpec.Load("idx:" + dir.File("s"), new DataOptions { Mean = [0], Std = [1] });
        Assert.Equal(100 / 255f, raw.Images.Floats[5]);
    }

    [FactRequiringFile("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "Debian's dataset-fashion-mnist")]
    public void Fashion_mnist_t10k_matches_the_shared_reference()
    {
        const string folder = "/usr/share/datasets/fashion-mnist";
        var data = DataSpec.Load("idx:" + Path.Combine(folder, "t10k"), new DataOptions { Limit = 1000 });
        var x = Npy.Load(SharedData.Path("reference", "fmnist_test1000_x.npy"));
        var y = Npy.Load(SharedData.Path("reference", "fmnist_test1000_y.npy"));
        Assert.Equal(x.Shape, data.Images.Shape);
        Assert.Equal(y.Longs.ToArray(), data.Labels);
        float worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x.Floats[i] - data.Images.Floats[i]));
        Assert.True(worst <= 1e-6f, $"max |Δ| = {worst}");
        Assert.Equal("Ankle boot", data.ClassNames![data.Labels[0]]);
    }
}
