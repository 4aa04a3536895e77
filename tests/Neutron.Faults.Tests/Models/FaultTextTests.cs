// The fault text form of DESIGN §4 and the mask triple of each fault model.
using Neutron.Faults.Models;

namespace Neutron.Faults.Tests.Models;

public class FaultTextTests
{
    [Theory]
    [InlineData("weight:conv1.weight@1234#30")]
    [InlineData("act:/layer1/relu/Relu_output_0@517#12:stuck1")]
    [InlineData("act:logits@2#3:stuck0")]
    [InlineData("weight:fc1.weight@0#5:flip+6+7")]
    [InlineData("weight:odd:name@with#marks@3#1")]
    public void Round_trips(string text) => Assert.Equal(text, Fault.Parse(text).ToString());

    [Fact]
    public void Parses_fields()
    {
        var f = Fault.Parse("act:/layer1/relu/Relu_output_0@517#12:stuck1");
        Assert.Equal(FaultTarget.Activation, f.Target);
        Assert.Equal("/layer1/relu/Relu_output_0", f.Tensor);
        Assert.Equal(517, f.Index);
        Assert.Equal(12, f.Bit);
        Assert.Equal(FaultModel.Stuck1, f.Model);
        Assert.Equal(FaultModel.Flip, Fault.Parse("weight:w@1#2").Model);
        Assert.Equal("weight:w@1#2", Fault.Parse("weight:w@1#2:flip").ToString());
    }

    [Theory]
    [InlineData("conv1.weight@12#3", "expected TARGET:TENSOR@INDEX#BIT")]
    [InlineData("bias:conv1.weight@12#3", "unknown target 'bias'")]
    [InlineData("weight:conv1.weight@12", "missing '#BIT'")]
    [InlineData("weight:conv1.weight#3", "missing '@INDEX'")]
    [InlineData("weight:@12#3", "empty tensor name")]
    [InlineData("weight:w@-1#3", "index '-1' is not a non-negative integer")]
    [InlineData("weight:w@1#32", "bit '32' is not a bit number 0..31")]
    [InlineData("weight:w@1#3:stuck2", "unknown fault model 'stuck2'")]
    [InlineData("weight:w@1#3:flip+40", "extra bit '40'")]
    public void Bad_text_names_the_problem(string text, string message)
    {
        var e = Assert.Throws<FaultException>(() => Fault.Parse(text));
        Assert.Contains(message, e.Message);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void Mask_triples()
    {
        Assert.Equal(new BitMask(uint.MaxValue, 0, 1u << 5), FaultModel.Flip.Mask(5));
        Assert.Equal(new BitMask(~(1u << 5), 0, 0), FaultModel.Stuck0.Mask(5));
        Assert.Equal(new BitMask(uint.MaxValue, 1u << 5, 0), FaultModel.Stuck1.Mask(5));
        Assert.Equal(0b1010_0000u, FaultModel.Flip.Mask(5).Apply(0b1000_0000u));
        Assert.Equal(0b1000_0000u, FaultModel.Stuck0.Mask(5).Apply(0b1010_0000u));
        Assert.Equal(0b1010_0000u, FaultModel.Stuck1.Mask(5).Apply(0b1010_0000u));
        var multi = FaultModel.Parse("flip+6+7");
        Assert.Equal(0b1110_0000u, multi.Mask(5).Xor);
        Assert.Equal(3, multi.BitCount(5));
        Assert.Equal(7, multi.HighestBit(5));
    }

    [Fact]
    public void Multi_bit_specs_draw_deterministic_bits()
    {
        var adj = FaultModelSpec.Parse("stuck1:adj3");
        Assert.Equal(new FaultModel(FaultKind.Stuck1, 0b1100_0000u), adj.Draw(5, 32, 1, 0));
        Assert.Equal(30, adj.StartBits(32));

        var rand = FaultModelSpec.Parse("flip:rand4");
        var seen = new HashSet<uint>();
        for (long i = 0; i < 200; i++)
        {
            var m = rand.Draw(3, 8, 42, i);
            Assert.Equal(m, rand.Draw(3, 8, 42, i)); // pure function of (seed, index)
            Assert.Equal(4, m.BitCount(3));
            Assert.True(m.HighestBit(3) < 8);
            Assert.Equal(0u, m.ExtraBits & (1u << 3));
            seen.Add(m.ExtraBits);
        }
        Assert.True(seen.Count > 20, $"only {seen.Count} distinct draws");
        Assert.Equal("flip:rand4", rand.ToString());
        Assert.Throws<FaultException>(() => FaultModelSpec.Parse("flip:near2"));
    }
}
