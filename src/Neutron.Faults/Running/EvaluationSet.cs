// The images a campaign evaluates and their labels: a float tensor (N, ...) for the model's single input and N
// integer labels. Count may be smaller than the tensor's first dimension (the first Count images are used).
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

public sealed class EvaluationSet
{
    public EvaluationSet(Tensor images, long[] labels, int? count = null)
    {
        if (!images.IsFloating || images.Rank < 1) throw new ArgumentException($"images must be a float tensor (N, ...), got {images}", nameof(images));
        int n = count ?? images.Shape[0];
        if (n < 1 || n > images.Shape[0]) throw new ArgumentOutOfRangeException(nameof(count), n, $"image count must be 1..{images.Shape[0]}");
        if (labels.Length < n) throw new ArgumentException($"{labels.Length} labels for {n} images", nameof(labels));
        Images = images;
        Labels = labels;
        Count = n;
        PerImage = images.Length / images.Shape[0];
    }

    public Tensor Images { get; }
    public long[] Labels { get; }
    public int Count { get; }
    /// <summary>Elements of one image.</summary>
    public int PerImage { get; }

    /// <summary>Images [start, start + count) as a tensor over a copy (the engine may keep a reference).</summary>
    public Tensor Slice(int start, int count)
    {
        var shape = (int[])Images.Shape.Clone();
        shape[0] = count;
        return Tensor.FromFloats(Images.Type, Images.Floats.Slice(start * PerImage, count * PerImage).ToArray(), shape);
    }
}
