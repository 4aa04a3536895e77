// A labelled image set ready for a classifier: images as a float32 NCHW tensor, one label per image, and the
// class names when the format carries them. What the readers in this folder return; DataSpec builds one.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public sealed class LabeledData
{
    public LabeledData(Tensor images, long[] labels, string[]? classNames = null, string source = "")
    {
        if (images.Rank != 4 || !images.IsFloating)
            throw new ArgumentException($"images must be a float NCHW tensor, got {images}", nameof(images));
        if (images.Shape[0] != labels.Length)
            throw new ArgumentException($"{images.Shape[0]} images but {labels.Length} labels", nameof(labels));
        Images = images;
        Labels = labels;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>float32 (N, C, H, W).</summary>
    public Tensor Images { get; }
    public long[] Labels { get; }
    public string[]? ClassNames { get; }
    /// <summary>Where the data came from (the spec), for logs and result records.</summary>
    public string Source { get; }
    public int Count => Labels.Length;

    /// <summary>Images [start, start + count) as a new tensor (a copy: batches are fed to plans that keep them).</summary>
    public Tensor Batch(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"batch [{start}, {start + count}) is outside 0..{Count}");
        int[] shape = [count, Images.Shape[1], Images.Shape[2], Images.Shape[3]];
        int per = Images.Shape[1] * Images.Shape[2] * Images.Shape[3];
        var batch = Tensor.Zeros(DataType.Float, shape);
        Images.Floats.Slice(start * per, count * per).CopyTo(batch.Floats);
        return batch;
    }

    /// <summary>The first n images (all when n is larger).</summary>
    public LabeledData Take(int n)
    {
        if (n >= Count) return this;
        return new LabeledData(Batch(0, n), Labels[..n], ClassNames, Source);
    }
}
