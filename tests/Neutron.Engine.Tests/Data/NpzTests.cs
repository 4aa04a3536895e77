// .npz archives (zip of .npy) and the npy/npz data specs: keys, NHWC detection, uint8 scaling, count checks.
using System.IO.Compression;
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Data;

public class NpzTests
{
    [Fact]
    public void Round_trips_arrays_by_key()
    {
        using var dir = new TempDir();
        var x = Tensor.FromFloats([1, 2, 3, 4, 5, 6], 2, 3);
        var y = Tensor.FromLongs(DataType.Int64, [7, 8], 2);
        Npz.Save(dir.File("a.npz"), new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y });
        var arrays = Npz.Load(dir.File("a.npz"));
        Assert.Equal([2, 3], arrays["x"].Shape);
        Assert.Equal(x.Floats.ToArray(), arrays["x"].Floats.ToArray());
        Assert.Equal([7L, 8L], arrays["y"].Longs.ToArray());
    }

    [Fact]
    public void Reads_deflated_members()
    {
        using var dir = new TempDir();
        using (var zip = ZipFile.Open(dir.File("d.npz"), ZipArchiveMode.Create))
        using (var s = zip.CreateEntry("images.npy", CompressionLevel.Optimal).Open())
            Npy.Write(s, Tensor.FromFloats(new float[2 * 4 * 4], 2, 4, 4));
        Assert.Equal([2, 4, 4], Npz.Load(dir.File("d.npz"))["images"].Shape);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_a_format_error()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("x.npz"), [1, 2, 3, 4, 5]);
        var e = Assert.Throws<FormatException>(() => Npz.Load(dir.File("x.npz")));
        Assert.Contains("x.npz", e.Message);
    }

    [Fact]
    public void Npz_spec_finds_keys_and_turns_nhwc_into_nchw()
    {
        using var dir = new TempDir();
        // (N=2, H=2, W=2, C=3), value = index; Npz.Save stores integers as int64, which load as values (only uint8 scales).
        var pixels = Tensor.FromLongs(DataType.Int64, Enumerable.Range(0, 24).Select(i => (long)i).ToArray(), 2, 2, 2, 3);
        Npz.Save(dir.File("d.npz"), new Dictionary<string, Tensor> { ["imgs"] = pixels, ["lab"] = Tensor.FromLongs(DataType.Int64, [1, 0], 2) });
        var npzPath = dir.File("d.npz");
        var data = DataSpec.Load($"npz:{npzPath},x=imgs,y=lab");
        Assert.Equal([2, 3, 2, 2], data.Images.Shape);
        // Element (n=1, c=2, h=1, w=0) came from NHWC index ((1*2+1)*2+0)*3+2 = 20.
        Assert.Equal(20f, data.Images.Floats[((1 * 3 + 2) * 2 + 1) * 2 + 0]);
        Assert.Equal([1L, 0L], data.Labels);
        Assert.Equal([1L, 0L], DataSpec.Load($"npz:{npzPath}").Labels); // the only rank-1 array
        Npz.Save(dir.File("two.npz"), new Dictionary<string, Tensor> { ["imgs"] = pixels, ["a"] = Tensor.FromLongs(DataType.Int64, [1, 0], 2), ["b"] = Tensor.FromLongs(DataType.Int64, [0, 1], 2) });
        var e = Assert.Throws<FormatException>(() => DataSpec.Load($"npz:{dir.File("two.npz")}"));
        Assert.Contains("y=KEY", e.Message);
    }

    [Fact]
    public void Npy_spec_scales_uint8_and_checks_counts()
    {
        using var dir = new TempDir();
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }";
        header += new string(' ', 64 - (10 + header.Length + 1) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(System.Text.Encoding.Latin1.GetBytes(header));
        bytes.AddRange(new byte[] { 0, 51, 102, 255, 0, 0, 0, 255 });
        File.WriteAllBytes(dir.File("x.npy"), [.. bytes]);
        Npy.Save(dir.File("y.npy"), Tensor.FromLongs(DataType.Int64, [3, 4], 2));
        Npy.Save(dir.File("y3.npy"), Tensor.FromLongs(DataType.Int64, [3, 4, 5], 3));
        var data = DataSpec.Load($"npy:{dir.File("x.npy")},{dir.File("y.npy")}");
        Assert.Equal([2, 1, 2, 2], data.Images.Shape);
        Assert.Equal([0f, 0.2f, 0.4f, 1f], data.Images.Floats[..4].ToArray());
        var e = Assert.Throws<FormatException>(() => DataSpec.Load($"npy:{dir.File("x.npy")},{dir.File("y3.npy")}"));
        Assert.Contains("2 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void Truncated_npy_is_a_format_error_naming_the_file()
    {
        using var dir = new TempDir();
        Npy.Save(dir.File("t.npy"), Tensor.FromFloats(new float[100], 100));
        var bytes = File.ReadAllBytes(dir.File("t.npy"));
        File.WriteAllBytes(dir.File("t.npy"), bytes[..200]);
        var e = Assert.Throws<FormatException>(() => Npy.Load(dir.File("t.npy")));
        Assert.Contains("t.npy", e.Message);
        Assert.Contains("truncated", e.Message);
        File.WriteAllBytes(dir.File("t.npy"), bytes[..12]);
        Assert.Throws<FormatException>(() => Npy.Load(dir.File("t.npy")));
    }
}
