// ConvDirect's packed filters (and a few-row Gemm's B panels), kept from one run to the next for a layer whose
// weights never change (an optimised inference session's stored tensors): packing transposes every weight of the
// layer, each run, otherwise (ResNet-18 at batch 8: 47 MB copied per run). The weights are known by reference, not content: whoever changes a stored
// tensor in place (a campaign injecting into weights) runs the graph as stored, which never keeps packed filters.
namespace Neutron.Engine.Kernels;

public sealed class PackedFilters
{
    private readonly Lock gate = new();
    private float[]? source, packed;
    private Layout layout;

    /// <summary>How filters were packed: the path (pixel rows or channel rows), padded channels, patch and variant (a
    /// Gemm's panels: false, its columns, its k).</summary>
    internal readonly record struct Layout(bool ChannelRows, int Channels, int Patch, KernelVariant Variant);

    /// <summary>The filters of weights packed as layout says (size floats), packing them on first use.</summary>
    internal float[] Get(float[] weights, Layout layout, int size, Action<float[]> pack)
    {
        lock (gate)
        {
            if (packed is null || !ReferenceEquals(source, weights) || this.layout != layout || packed.Length < size)
            {
                var fresh = new float[size];
                pack(fresh);
                (packed, source, this.layout) = (fresh, weights, layout);
            }
            return packed;
        }
    }
}
