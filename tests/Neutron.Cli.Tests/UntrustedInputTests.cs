// Untrusted models and data through the command line: each is refused with exit 3, one line and a hint, without
// hanging, without writing anything, and without printing what lies outside the model's folder.
using System.Runtime.InteropServices;
using Google.Protobuf;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;

namespace Neutron.Cli.Tests;

public partial class UntrustedInputTests
{
    private static readonly string Lenet5 = CliHarness.Shared("models", "lenet5.onnx");

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    private static void AssertRefused(CliResult r, string expected)
    {
        Assert.Equal(3, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(expected, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }

    // LeNet-5 with its first float initializer moved to external data at `location`, written into dir/model.
    private static string ExternalModel(TempDir dir, string location)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Lenet5));
        var t = proto.Graph.Initializer.First(i => i.DataType == 1 && i.RawData.Length > 0);
        t.ClearRawData();
        t.DataLocation = 1;
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        string folder = Directory.CreateDirectory(dir.File("model")).FullName;
        string path = Path.Combine(folder, "m.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    [Fact]
    public void Run_refuses_external_data_linked_outside_the_folder_and_writes_nothing()
    {
        using var dir = new TempDir();
        string model = ExternalModel(dir, "w.bin");
        File.CreateSymbolicLink(dir.File("model/w.bin"), "/etc/passwd");
        Npy.Save(dir.File("x.npy"), Tensor.Zeros(DataType.Float, 1, 1, 28, 28));
        var r = CliHarness.Run("run", model, "--input", dir.File("x.npy"), "--out", dir.File("out"));
        AssertRefused(r, "outside the model's folder");
        Assert.DoesNotContain("root", r.Err);
        Assert.False(Directory.Exists(dir.File("out")) && Directory.EnumerateFileSystemEntries(dir.File("out")).Any());
    }

    [Fact]
    public async Task Inspect_refuses_a_fifo_without_hanging()
    {
        using var dir = new TempDir();
        string model = ExternalModel(dir, "w.bin");
        if (!OperatingSystem.IsLinux() || MkFifo(dir.File("model/w.bin"), 0x180) != 0) return;
        var inspect = Task.Run(() => CliHarness.Run("inspect", model));
        Assert.True(await Task.WhenAny(inspect, Task.Delay(TimeSpan.FromSeconds(30))) == inspect, "inspect blocked on a FIFO");
        AssertRefused(await inspect, "not a regular file");
    }

    [Fact]
    public void Run_refuses_a_model_without_outputs()
    {
        using var dir = new TempDir();
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Lenet5));
        proto.Graph.Output.Clear();
        File.WriteAllBytes(dir.File("m.onnx"), proto.ToByteArray());
        Npy.Save(dir.File("x.npy"), Tensor.Zeros(DataType.Float, 1, 1, 28, 28));
        AssertRefused(CliHarness.Run("run", dir.File("m.onnx"), "--input", dir.File("x.npy"), "--out", dir.File("out")), "no outputs");
    }

    [Theory]
    [InlineData(10L)]
    [InlineData(255L)]
    [InlineData(-1L)]
    [InlineData(1L << 40)]
    public void Campaign_refuses_labels_outside_the_models_classes(long bad)
    {
        using var dir = new TempDir();
        Npy.Save(dir.File("x.npy"), Tensor.Zeros(DataType.Float, 3, 1, 28, 28));
        Npy.Save(dir.File("y.npy"), Tensor.FromLongs(DataType.Int64, [1, bad, 2], 3));
        var r = CliHarness.Run("campaign", Lenet5, "--data", $"npy:{dir.File("x.npy")},{dir.File("y.npy")}", "--plan", "random:3", "--db", dir.File("c.db"));
        AssertRefused(r, $"image 1 has label {bad}, the model has 10 classes");
    }

    [Fact]
    public void Campaign_refuses_nan_labels_and_images()
    {
        using var dir = new TempDir();
        Npy.Save(dir.File("x.npy"), Tensor.Zeros(DataType.Float, 3, 1, 28, 28));
        Npy.Save(dir.File("y.npy"), Tensor.FromFloats([1f, float.NaN, 2f], 3));
        var r = CliHarness.Run("campaign", Lenet5, "--data", $"npy:{dir.File("x.npy")},{dir.File("y.npy")}", "--plan", "random:3", "--db", dir.File("c.db"));
        AssertRefused(r, "label NaN of image 1 is not a class index");
        var x = Tensor.Zeros(DataType.Float, 3, 1, 28, 28);
        x.Floats[2 * 784 + 5] = float.PositiveInfinity;
        Npy.Save(dir.File("x.npy"), x);
        Npy.Save(dir.File("y.npy"), Tensor.FromLongs(DataType.Int64, [1, 2, 3], 3));
        r = CliHarness.Run("ber", Lenet5, "--data", $"npy:{dir.File("x.npy")},{dir.File("y.npy")}", "--samples", "1");
        AssertRefused(r, "image 2 holds Infinity");
    }

    [Fact]
    public void Eval_refuses_damaged_and_oversized_idx_files()
    {
        using var dir = new TempDir();
        var images = new byte[16 + 2 * 784];
        images[2] = 8;
        images[3] = 3;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), 2);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
        byte[] labels = [0, 0, 8, 1, 0, 0, 0, 2, 3, 4];
        using (var gz = new System.IO.Compression.GZipStream(File.Create(dir.File("d-images-idx3-ubyte.gz")), System.IO.Compression.CompressionLevel.Fastest))
            gz.Write(images);
        File.WriteAllBytes(dir.File("d-labels-idx1-ubyte"), labels);
        var bytes = File.ReadAllBytes(dir.File("d-images-idx3-ubyte.gz"));
        bytes[^7] ^= 0x10; // the trailer's CRC-32
        File.WriteAllBytes(dir.File("d-images-idx3-ubyte.gz"), bytes);
        AssertRefused(CliHarness.Run("eval", Lenet5, "--data", $"idx:{dir.File("d")}", "--limit", "1"), "damaged gzip");

        // A 16-byte header declaring 2^31 − 1 images.
        File.Delete(dir.File("d-images-idx3-ubyte.gz"));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), int.MaxValue);
        File.WriteAllBytes(dir.File("d-images-idx3-ubyte"), images[..16]);
        AssertRefused(CliHarness.Run("eval", Lenet5, "--data", $"idx:{dir.File("d")}"), "2147483647");
    }
}
