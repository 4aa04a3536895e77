// Training-time augmentation: random crop from the image padded by Pad pixels on each side (padding filled with
// the set's per-channel background) and a horizontal flip with probability ½. Draws come from the caller's seeded Random.
namespace Neutron.Engine.Training;

public sealed record Augmentation(int Pad, bool Flip)
{
    public static readonly Augmentation None = new(0, false);

    public bool IsNone => Pad == 0 && !Flip;

    /// <summary>Writes the augmented image (C, H, W) into destination.</summary>
    public void Apply(ReadOnlySpan<float> image, Span<float> destination, int channels, int height, int width, ReadOnlySpan<float> background, Random rng)
    {
        int dy = Pad > 0 ? rng.Next(-Pad, Pad + 1) : 0, dx = Pad > 0 ? rng.Next(-Pad, Pad + 1) : 0;
        bool flip = Flip && rng.Next(2) == 1;
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        {
            int sy = y + dy;
            var row = destination.Slice((c * height + y) * width, width);
            if ((uint)sy >= (uint)height) { row.Fill(background[c]); continue; }
            var src = image.Slice((c * height + sy) * width, width);
            for (int x = 0; x < width; x++)
            {
                int sx = (flip ? width - 1 - x : x) + dx;
                row[x] = (uint)sx < (uint)width ? src[sx] : background[c];
            }
        }
    }
}
