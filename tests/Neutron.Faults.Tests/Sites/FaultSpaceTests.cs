// Sites of the shared LeNet-5 and the flat fault space over them: sizes, index ↔ (site, element, bit), filters,
// and validation errors that name the problem.
using Neutron.Engine.Onnx;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Tests.Sites;

public class FaultSpaceTests
{
    private static readonly Lazy<SiteCatalog> LeNet = new(() =>
        SiteCatalog.Discover(OnnxReader.Load(SharedData.Path("models", "lenet5.onnx")), NumberFormat.Fp32));

    [Fact]
    public void LeNet_sites()
    {
        var sites = LeNet.Value;
        Assert.Equal(10, sites.Weights.Count); // 5 layers × (weight, bias)
        Assert.Equal(61_706, sites.Weights.Sum(s => s.Elements));
        var conv1 = sites.Find(FaultTarget.Weight, "conv1.weight")!;
        Assert.Equal("Conv", conv1.OpType);
        Assert.Equal(32, conv1.Bits);
        var act = sites.Find(FaultTarget.Activation, "/conv2/Conv_output_0")!;
        Assert.Equal("Conv", act.OpType);
        Assert.Equal(act.Shape.Aggregate(1L, (a, d) => a * d), act.Elements);
        Assert.NotNull(sites.Find(FaultTarget.Activation, "logits"));
        Assert.DoesNotContain(sites.Activations, s => s.Tensor == "input");
    }

    [Fact]
    public void Flat_index_maps_to_site_element_bit_and_back()
    {
        var space = FaultSpace.Create(LeNet.Value, FaultTarget.Weight);
        Assert.Equal(61_706L * 32, space.Size);
        var first = space.Locate(0);
        Assert.Equal((space.Sites[0].Tensor, 0L, 0), (first.Site.Tensor, first.Element, first.Bit));
        var last = space.Locate(space.Size - 1);
        Assert.Equal((space.Sites[^1].Tensor, space.Sites[^1].Elements - 1, 31), (last.Site.Tensor, last.Element, last.Bit));
        var r = new System.Random(5);
        for (int i = 0; i < 1000; i++)
        {
            long index = r.NextInt64(space.Size);
            var p = space.Locate(index);
            Assert.Equal(index, space.IndexOf(p.Site.Tensor, p.Element, p.Bit));
            Assert.Equal(new Fault(FaultTarget.Weight, p.Site.Tensor, p.Element, p.Bit), space.FaultAt(index));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => space.Locate(space.Size));
    }

    [Fact]
    public void Filters_and_bit_ranges()
    {
        var filter = new SiteFilter { Name = "conv*.weight", MinBit = 23, MaxBit = 30 };
        var space = FaultSpace.Create(LeNet.Value, FaultTarget.Weight, filter);
        Assert.Equal(["conv1.weight", "conv2.weight"], space.Sites.Select(s => s.Tensor));
        Assert.Equal(space.Sites.Sum(s => s.Elements) * 8, space.Size);
        for (long i = 0; i < space.Size; i += 997) Assert.InRange(space.Locate(i).Bit, 23, 30);

        var gemm = FaultSpace.Create(LeNet.Value, FaultTarget.Activation, new SiteFilter { OpTypes = ["Gemm"] });
        Assert.All(gemm.Sites, s => Assert.Equal("Gemm", s.OpType));
        Assert.Equal(3, gemm.Sites.Count);

        var adjacent = FaultSpace.Create(LeNet.Value, FaultTarget.Weight, new SiteFilter { Name = "fc3.bias" }, FaultModelSpec.Parse("flip:adj2"));
        Assert.Equal(10 * 31, adjacent.Size);
        Assert.Equal(0b11u << 30, adjacent.FaultAt(adjacent.Size - 1).Mask.Xor);
    }

    [Theory]
    [InlineData("weight:conv9.weight@0#1", "unknown weight tensor 'conv9.weight'")]
    [InlineData("act:/nope@0#1", "unknown activation tensor '/nope'")]
    [InlineData("weight:conv1.weight@150#1", "index 150 is out of range for 'conv1.weight', which has 150 elements")]
    [InlineData("weight:conv1.weight@0#7:flip+31", null)]
    public void Validation_names_the_problem(string text, string? message)
    {
        var fault = Fault.Parse(text);
        if (message is null) { LeNet.Value.Validate(fault); return; }
        var e = Assert.Throws<FaultException>(() => LeNet.Value.Validate(fault));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Bit_beyond_the_format_width_is_refused()
    {
        var int8 = SiteCatalog.Discover(OnnxReader.Load(SharedData.Path("models", "lenet5.onnx")), NumberFormat.Parse("int8"));
        var e = Assert.Throws<FaultException>(() => int8.Validate(Fault.Parse("weight:conv1.weight@0#8")));
        Assert.Contains("bit 8 is beyond the 8-bit word", e.Message);
        int8.Validate(Fault.Parse("weight:conv1.weight@0#7"));
    }
}
