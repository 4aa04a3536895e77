// A labelled image set in memory, normalised, NCHW float: what training and evaluation iterate over.
// Background holds, per channel, the normalised value of a black pixel: what random-crop padding fills with.
using Neutron.Engine.Data;

namespace Neutron.Engine.Training;

public sealed record ImageSet(float[] Images, int[] Labels, int Channels, int Height, int Width, int Classes, float[] Background)
{
    /// <summary>From loaded data; mean/std are the normalisation it was loaded with (null: none), classes at least 1 + max label.</summary>
    public static ImageSet From(LabeledData data, (float[] Mean, float[] Std)? normalization, int classes = 0)
    {
        var s = data.Images.Shape;
        var labels = new int[data.Count];
        int max = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            long l = data.Labels[i];
            if (l < 0 || l > 65535) throw new FormatException($"label {l} of image {i} in {data.Source} is not a class index");
            labels[i] = (int)l;
            max = Math.Max(max, labels[i]);
        }
        var background = new float[s[1]];
        if (normalization is { } n)
            for (int c = 0; c < background.Length; c++)
                background[c] = -n.Mean[n.Mean.Length == 1 ? 0 : c] / n.Std[n.Std.Length == 1 ? 0 : c];
        return new ImageSet(data.Images.Floats.ToArray(), labels, s[1], s[2], s[3], Math.Max(classes, max + 1), background);
    }

    public int Count => Labels.Length;
    public int ImageSize => Channels * Height * Width;

    public ReadOnlySpan<float> Image(int i) => Images.AsSpan(i * ImageSize, ImageSize);

    /// <summary>The first n images (all when n ≥ Count).</summary>
    public ImageSet Take(int n)
    {
        n = Math.Min(n, Count);
        return this with { Images = Images[..(n * ImageSize)], Labels = Labels[..n] };
    }
}
