// A place a fault can hit (DESIGN §4): a weight tensor stored in the model, or a float node output (per image).
// Layer and OpType name the node that consumes the weight (first consumer) or produces the activation.
namespace Neutron.Faults.Sites;

public sealed record FaultSite(FaultTarget Target, string Tensor, string Layer, string OpType, int[] Shape, int Bits)
{
    /// <summary>Elements a fault can address: the whole weight, or one image's share of the activation.</summary>
    public long Elements { get; } = Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bit positions of the whole site: Elements × Bits.</summary>
    public long BitCount => Elements * Bits;

    public override string ToString() => $"{Fault.TargetText(Target)}:{Tensor} ({OpType} {Layer}, {Elements} × {Bits} bits)";
}
