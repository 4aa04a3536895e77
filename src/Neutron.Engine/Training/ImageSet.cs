// A labelled image set in memory, normalised, NCHW float: what training and evaluation iterate over.
// Background is the normalised value of a black pixel, what padding for random crops fills with.
namespace Neutron.Engine.Training;

public sealed record ImageSet(float[] Images, int[] Labels, int Channels, int Height, int Width, int Classes, float Background = 0f)
{
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
