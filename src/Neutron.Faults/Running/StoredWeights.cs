// The weights of every weight site stored in the campaign's number format: one TensorEncoding and the golden
// words per tensor, computed once and shared read-only by the workers. Each worker's model copy holds the decoded
// values; a weight fault writes Decode(mask(word)) into that copy and restores Decode(word) afterwards.
using Neutron.Engine.Graph;
using Neutron.Faults.Formats;
using Neutron.Faults.Sites;

namespace Neutron.Faults.Running;

public sealed class StoredWeights
{
    private readonly Dictionary<string, (TensorEncoding Encoding, uint[] Words, float[] Decoded)> tensors = new(StringComparer.Ordinal);

    public StoredWeights(Model model, IEnumerable<FaultSite> sites, NumberFormat format)
    {
        Format = format;
        foreach (var site in sites)
        {
            var t = model.Initializers[site.Tensor];
            var values = t.Floats.ToArray();
            // Per channel along axis 0 for weights of rank ≥ 2 (int8; other formats ignore it).
            var encoding = format.ForTensor(values, t.Shape, perChannel: true);
            var words = new uint[values.Length];
            encoding.Store(values, words);
            tensors[site.Tensor] = (encoding, words, values);
        }
    }

    public NumberFormat Format { get; }

    public TensorEncoding Encoding(string tensor) => tensors[tensor].Encoding;

    /// <summary>The golden stored word of one element.</summary>
    public uint Word(string tensor, long index) => tensors[tensor].Words[index];

    /// <summary>Every golden stored word of a tensor, for scans over all its elements.</summary>
    public ReadOnlyMemory<uint> Words(string tensor) => tensors[tensor].Words;

    /// <summary>Every value of a tensor as the engine computes with it (its golden words decoded).</summary>
    public ReadOnlyMemory<float> Values(string tensor) => tensors[tensor].Decoded;

    /// <summary>The value the engine computes with when the element holds its golden word.</summary>
    public float Value(string tensor, long index) => tensors[tensor].Decoded[index];

    /// <summary>A copy of the model whose weight-site tensors are private and hold the decoded stored values.</summary>
    /// <summary>
    /// Writes what a weight fault's changed stored word decodes to into <paramref name="model"/>'s copy of the weight
    /// (a memory fault: it holds for every image until <see cref="Restore"/>). Other targets change nothing.
    /// </summary>
    public void Inject(Model model, Fault? fault)
    {
        if (fault is not { Target: FaultTarget.Weight }) return;
        var enc = Encoding(fault.Tensor);
        model.Initializers[fault.Tensor].Floats[(int)fault.Index] = enc.Decode(fault.Index, fault.Mask.Apply(Word(fault.Tensor, fault.Index)));
    }

    /// <summary>Puts back the fault-free decoded value that <see cref="Inject"/> replaced.</summary>
    public void Restore(Model model, Fault? fault)
    {
        if (fault is not { Target: FaultTarget.Weight }) return;
        model.Initializers[fault.Tensor].Floats[(int)fault.Index] = Value(fault.Tensor, fault.Index);
    }

    public Model CopyModel(Model model)
    {
        var initializers = new Dictionary<string, Engine.Tensors.Tensor>(model.Initializers, StringComparer.Ordinal);
        foreach (var (name, entry) in tensors)
        {
            var original = model.Initializers[name];
            initializers[name] = Engine.Tensors.Tensor.FromFloats(original.Type, (float[])entry.Decoded.Clone(), (int[])original.Shape.Clone());
        }
        return model.With(initializers: initializers);
    }
}
