// Data from untrusted hands: gzip and zip members whose CRC-32 does not match (which .NET's readers accept),
// headers that declare far more than the file holds (refused before allocating), and labels or pixels a classifier
// cannot use (fractional or NaN labels, labels outside the model's classes, NaN or infinite pixels). All are
// FormatExceptions (DataException for the last kind) naming the file or image: exit 3 in the CLI.
using System.Buffers.Binary;
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;
using Neutron.Engine.Tests.Onnx;

namespace Neutron.Engine.Tests.Data;

public class UntrustedDataTests
{
    private static string GzIdx(TempDir dir, string name, byte[] plain)
    {
        string path = dir.File(name);
        IdxTests.WriteGz(path, plain);
        return path;
    }

    [Fact]
    public void Crc32_matches_the_known_check_value() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Gzip_idx_with_a_broken_crc_or_size_is_refused()
    {
        using var dir = new TempDir();
        var plain = IdxTests.IdxBytes([3, 4, 4], i => (byte)i);
        string path = GzIdx(dir, "good.gz", plain);
        Assert.Equal([3, 4, 4], Idx.Load(path).Shape);

        var bytes = File.ReadAllBytes(path);
        var badCrc = (byte[])bytes.Clone();
        badCrc[^8] ^= 0x01;
        File.WriteAllBytes(dir.File("crc.gz"), badCrc);
        var e = Assert.Throws<FormatException>(() => Idx.Load(dir.File("crc.gz")));
        Assert.Contains("damaged gzip", e.Message);
        Assert.Contains("crc.gz", e.Message);
        // Still refused when only the first records are read.
        Assert.Throws<FormatException>(() => Idx.Load(dir.File("crc.gz"), limit: 1));

        var badSize = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(badSize.AsSpan(badSize.Length - 4), (uint)plain.Length + 1);
        File.WriteAllBytes(dir.File("size.gz"), badSize);
        Assert.Throws<FormatException>(() => Idx.Load(dir.File("size.gz")));
    }

    [Fact]
    public void Gzip_idx_whose_data_was_altered_is_refused()
    {
        using var dir = new TempDir();
        // Stored (level 0) deflate blocks keep the data bytes visible, so one can be changed without breaking deflate.
        var plain = IdxTests.IdxBytes([2, 8, 8], i => (byte)(i * 3));
        string path = dir.File("stored.gz");
        using (var file = File.Create(path))
        using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.NoCompression))
            gz.Write(plain);
        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(plain.AsSpan(20, 16));
        Assert.True(at > 0);
        bytes[at + 3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("damaged gzip", Assert.Throws<FormatException>(() => Idx.Load(path)).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_header_declaring_two_billion_images_is_refused_before_allocating(bool gzip)
    {
        using var dir = new TempDir();
        var header = new byte[16];
        header[2] = 0x08;
        header[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 1);
        string path = dir.File("huge");
        if (gzip) IdxTests.WriteGz(path, header);
        else File.WriteAllBytes(path, header);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => Idx.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the reader allocated what the header declared");
        Assert.Contains("huge", e.Message);
        Assert.Contains("2147483647", e.Message);
    }

    [Fact]
    public void Npz_member_with_a_broken_crc_is_refused()
    {
        using var dir = new TempDir();
        string path = dir.File("d.npz");
        Npz.Save(path, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(Enumerable.Range(0, 64).Select(i => (float)i).ToArray(), 4, 4, 4) });
        Assert.Equal([4, 4, 4], Npz.Load(path)["x"].Shape);
        var bytes = File.ReadAllBytes(path);
        // Npz.Save stores members uncompressed: change one float of the data (float 10 = 0x41200000).
        int at = bytes.AsSpan().IndexOf(BitConverter.GetBytes(10f));
        Assert.True(at > 0);
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<FormatException>(() => Npz.Load(path));
        Assert.Contains("damaged zip member", e.Message);
        Assert.Contains("x.npy", e.Message);
    }

    [Fact]
    public void Npy_header_declaring_more_than_the_file_holds_is_refused_before_allocating()
    {
        using var dir = new TempDir();
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647,), }";
        header += new string(' ', 64 - (10 + header.Length + 1) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(System.Text.Encoding.Latin1.GetBytes(header));
        bytes.AddRange(new byte[16]);
        File.WriteAllBytes(dir.File("x.npy"), [.. bytes]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FormatException>(() => Npy.Load(dir.File("x.npy")));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public async Task Data_files_that_are_fifos_are_refused_without_blocking()
    {
        using var dir = new TempDir();
        if (!UntrustedModelTests.MakeFifo(dir.File("x.npy"))) return;
        UntrustedModelTests.MakeFifo(dir.File("t10k-images-idx3-ubyte"));
        var load = Task.Run(() => (
            Assert.Throws<FormatException>(() => Npy.Load(dir.File("x.npy"))),
            Assert.Throws<FormatException>(() => Idx.Load(dir.File("t10k-images-idx3-ubyte"))),
            Assert.Throws<FormatException>(() => Npz.Load(dir.File("x.npy")))));
        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(20))) == load, "a reader blocked on a FIFO");
        Assert.Contains("not a regular file", (await load).Item1.Message);
    }

    private static string NpyPair(TempDir dir, float[] images, int[] shape, Tensor labels)
    {
        Npy.Save(dir.File("x.npy"), Tensor.FromFloats(images, shape));
        Npy.Save(dir.File("y.npy"), labels);
        return $"npy:{dir.File("x.npy")},{dir.File("y.npy")}";
    }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    public void Fractional_nan_or_negative_float_labels_are_refused(float bad)
    {
        using var dir = new TempDir();
        string spec = NpyPair(dir, new float[3 * 4], [3, 1, 2, 2], Tensor.FromFloats([0f, bad, 2f], 3));
        var e = Assert.Throws<DataException>(() => DataSpec.Load(spec));
        Assert.Contains("image 1", e.Message);
        Assert.Contains("not a class index", e.Message);
    }

    [Fact]
    public void Integral_float_labels_are_classes()
    {
        using var dir = new TempDir();
        string spec = NpyPair(dir, new float[3 * 4], [3, 1, 2, 2], Tensor.FromFloats([0f, 3f, 2f], 3));
        Assert.Equal([0L, 3L, 2L], DataSpec.Load(spec).Labels);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void Nan_or_infinite_pixels_are_refused(float bad)
    {
        using var dir = new TempDir();
        var images = new float[3 * 4];
        images[9] = bad;
        string spec = NpyPair(dir, images, [3, 1, 2, 2], Tensor.FromLongs(DataType.Int64, [0, 1, 2], 3));
        var e = Assert.Throws<DataException>(() => DataSpec.Load(spec));
        Assert.Contains("image 2", e.Message);
        // Finite pixels that normalisation makes infinite are refused as well.
        images[9] = 3e38f;
        spec = NpyPair(dir, images, [3, 1, 2, 2], Tensor.FromLongs(DataType.Int64, [0, 1, 2], 3));
        Assert.Contains("normalisation", Assert.Throws<DataException>(() => DataSpec.Load(spec, new DataOptions { Mean = [0f], Std = [1e-3f] })).Message);
    }

    [Theory]
    [InlineData(4L)]
    [InlineData(10L)]
    [InlineData(255L)]
    [InlineData(-1L)]
    [InlineData(1L << 40)]
    public void Labels_outside_the_models_classes_are_refused(long bad)
    {
        var data = new LabeledData(Tensor.Zeros(DataType.Float, 3, 1, 6, 6), [0, 3, bad], null, "npy:x,y");
        var e = Assert.Throws<DataException>(() => DataChecks.ForClassifier(data, TinyModels.Cnn(), "tiny.onnx"));
        Assert.Contains($"image 2 has label {bad}", e.Message);
        Assert.Contains("the model has 4 classes (labels 0 to 3 for tiny.onnx)", e.Message);
        DataChecks.ForClassifier(new LabeledData(data.Images, [0, 3, 1], null, "ok"), TinyModels.Cnn(), "tiny.onnx");
    }

    [Fact]
    public void Classes_come_from_the_inferred_output_when_the_declared_one_is_symbolic()
    {
        var model = TinyModels.Cnn();
        model.Outputs[0] = model.Outputs[0] with { Shape = null };
        Assert.Equal(4, DataChecks.Classes(model));
    }
}
