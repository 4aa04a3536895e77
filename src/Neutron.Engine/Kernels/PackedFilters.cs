// ConvDirect's packed filters (and a few-row Gemm's B panels), kept from one run to the next for a layer whose
// weights never change (an optimised inference session's stored tensors): packing transposes every weight of the
// layer, each run, otherwise (ResNet-18 at batch 8: 47 MB copied per run). The weights are known by reference, not content: whoever changes a stored
// tensor in place (a campaign injecting into weights) runs the graph as stored, which never keeps packed filters.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Kernels;

public sealed class PackedFilters
{
    private readonly Lock gate = new();
    // The last two packings, newest first: the fault runner's convolutions over boxes switch between the two paths
    // as the box widens, and repacking at each switch would allocate every time.
    private readonly (float[]? Source, float[]? Packed, Layout Layout)[] kept = new (float[]?, float[]?, Layout)[2];
    private (float[]? Source, bool Finite) checkedWeights;

    /// <summary>How filters were packed: the path (pixel rows or channel rows), padded channels, patch, variant and
    /// window classes, each packed apart (a Gemm's panels: false, its columns, its k, 1).</summary>
    internal readonly record struct Layout(bool ChannelRows, int Channels, int Patch, KernelVariant Variant, int WindowClasses = 1);

    /// <summary>Whether every weight is finite, checked once per array.</summary>
    internal bool AllFinite(float[] weights)
    {
        lock (gate)
        {
            if (!ReferenceEquals(checkedWeights.Source, weights)) checkedWeights = (weights, FiniteValues.All(weights));
            return checkedWeights.Finite;
        }
    }

    /// <summary>The filters of weights packed as layout says (size floats), packing them on first use.</summary>
    internal float[] Get(float[] weights, Layout layout, int size, Action<float[]> pack)
    {
        lock (gate)
        {
            for (int i = 0; i < kept.Length; i++)
            {
                var (source, packed, packedAs) = kept[i];
                if (packed is null || !ReferenceEquals(source, weights) || packedAs != layout || packed.Length < size) continue;
                if (i > 0) (kept[0], kept[i]) = (kept[i], kept[0]);
                return packed;
            }
            var fresh = AlignedFloats.Allocate(size);
            pack(fresh);
            kept[1] = kept[0];
            kept[0] = (weights, fresh, layout);
            return fresh;
        }
    }
}
