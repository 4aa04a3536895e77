// DataSpec syntax: formats, paths, key=value options, and the usage errors (ArgumentException) for bad specs.
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Data;

public class DataSpecTests
{
    [Fact]
    public void Parses_paths_and_keys()
    {
        var spec = DataSpec.Parse("npz:/a/b.npz,x=images,y=labels");
        Assert.Equal("npz", spec.Format);
        Assert.Equal(["/a/b.npz"], spec.Paths);
        Assert.Equal("images", spec.Keys["x"]);
        Assert.Equal(["x.npy", "y.npy"], DataSpec.Parse("npy:x.npy,y.npy").Paths);
        Assert.Equal(DataSpec.FashionMnist, DataSpec.Parse("idx:/d/t10k").DefaultNormalization());
        Assert.Null(DataSpec.Parse("npy:x.npy,y.npy").DefaultNormalization());
    }

    [Theory]
    [InlineData("/just/a/path", "names no format")]
    [InlineData("csv:x.csv", "unknown")]
    [InlineData("npy:x.npy", "npy:IMAGES.npy,LABELS.npy")]
    [InlineData("idx:a,b,c", "idx:PREFIX")]
    [InlineData("cifar:/d,color=red", "option 'color'")]
    public void Bad_specs_are_argument_errors(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => DataSpec.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Mean_and_std_must_match_channels()
    {
        var x = Tensor.Zeros(DataType.Float, 1, 3, 2, 2);
        Assert.Throws<ArgumentException>(() => Preprocess.Normalize(x, [0.1f, 0.2f], [1f]));
        Assert.Throws<ArgumentException>(() => Preprocess.Normalize(x, [0.1f], [0f]));
        Preprocess.Normalize(x, [0.5f, 0f, -0.5f], [0.5f]);
        Assert.Equal(-1f, x.Floats[0]);
        Assert.Equal(0f, x.Floats[4]);
        Assert.Equal(1f, x.Floats[8]);
    }

    [Fact]
    public void Nhwc_to_nchw_moves_channels()
    {
        var x = Tensor.FromFloats(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 1, 2, 2, 3);
        var y = Preprocess.NhwcToNchw(x);
        Assert.Equal([1, 3, 2, 2], y.Shape);
        Assert.Equal([0f, 3f, 6f, 9f, 1f, 4f, 7f, 10f, 2f, 5f, 8f, 11f], y.Floats.ToArray());
    }
}
