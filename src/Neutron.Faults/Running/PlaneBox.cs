// A rectangle of the image planes of a [C, H, W] row: where, in every channel, a perturbed row may differ from
// golden. The cone walk carries one per perturbed value so a convolution recomputes only the outputs whose
// windows read it (ConvRegions); a flipped element in an early layer of a large image touches few of them.
using System.Runtime.InteropServices;

namespace Neutron.Faults.Running;

internal readonly record struct PlaneBox(int Y0, int Y1, int X0, int X1)
{
    public int Area => (Y1 - Y0) * (X1 - X0);

    /// <summary>
    /// Under an eighth of the planes: worth finding the box of an output's differences inside it (reading a small
    /// box is cheap, and a tighter box saves work downstream). Past that, one comparison of whole rows costs less
    /// than line by line, and the box computed over stays, a superset (ResNet-20 activation faults ran 6 % faster
    /// with an eighth than with a half).
    /// </summary>
    public bool Small(int height, int width) => 8 * Area < height * width;

    public PlaneBox Union(PlaneBox other) =>
        new(Math.Min(Y0, other.Y0), Math.Max(Y1, other.Y1), Math.Min(X0, other.X0), Math.Max(X1, other.X1));

    /// <summary>Copies every element of the planes outside this box from `from` into `into` (rows of channels × height × width).</summary>
    public void CopyOutside(ReadOnlySpan<float> from, Span<float> into, int channels, int height, int width)
    {
        int plane = height * width, above = Y0 * width, below = Y1 * width;
        for (int c = 0; c < channels; c++)
        {
            int at = c * plane;
            from.Slice(at, above).CopyTo(into.Slice(at, above));
            for (int y = Y0; y < Y1; y++)
            {
                int line = at + y * width;
                from.Slice(line, X0).CopyTo(into.Slice(line, X0));
                from.Slice(line + X1, width - X1).CopyTo(into.Slice(line + X1, width - X1));
            }
            from.Slice(at + below, plane - below).CopyTo(into.Slice(at + below, plane - below));
        }
    }

    /// <summary>Whether rows a and b (channels × height × width) are bit-equal inside this box.</summary>
    public bool BitEqualInside(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int channels, int height, int width)
    {
        var x = MemoryMarshal.Cast<float, int>(a);
        var z = MemoryMarshal.Cast<float, int>(b);
        // Full-width boxes compare one run per plane.
        int cols = X1 - X0, run = cols == width ? Area : cols;
        for (int c = 0; c < channels; c++)
        for (int y = Y0; y < Y1; y += run / cols)
        {
            int at = (c * height + y) * width + X0;
            if (!x.Slice(at, run).SequenceEqual(z.Slice(at, run))) return false;
        }
        return true;
    }

    /// <summary>The box of element e of a row of planes height × width.</summary>
    public static PlaneBox Of(int element, int height, int width)
    {
        int y = element / width % height, x = element % width;
        return new PlaneBox(y, y + 1, x, x + 1);
    }

    /// <summary>
    /// The smallest box holding every element where row and golden (channels × height × width) differ bit-wise,
    /// or null when they are bit-equal.
    /// </summary>
    public static PlaneBox? Differences(ReadOnlySpan<float> row, ReadOnlySpan<float> golden, int channels, int height, int width) =>
        Differences(row, new PlaneBox(0, height, 0, width), golden, channels, height, width);

    /// <summary>
    /// The same for a row known to equal golden outside box, given as that box of every plane packed (as a
    /// [channels, box rows, box columns] block).
    /// </summary>
    public static PlaneBox? Differences(ReadOnlySpan<float> packed, PlaneBox box, ReadOnlySpan<float> golden, int channels, int height, int width)
    {
        var a = MemoryMarshal.Cast<float, int>(packed);
        var b = MemoryMarshal.Cast<float, int>(golden);
        int cols = box.X1 - box.X0, at = 0;
        int y0 = height, y1 = 0, x0 = width, x1 = 0;
        for (int c = 0; c < channels; c++)
        for (int y = box.Y0; y < box.Y1; y++, at += cols)
        {
            var line = a.Slice(at, cols);
            var gold = b.Slice((c * height + y) * width + box.X0, cols);
            if (line.SequenceEqual(gold)) continue;
            y0 = Math.Min(y0, y);
            y1 = Math.Max(y1, y + 1);
            int first = 0, last = cols - 1;
            while (line[first] == gold[first]) first++;
            while (line[last] == gold[last]) last--;
            x0 = Math.Min(x0, box.X0 + first);
            x1 = Math.Max(x1, box.X0 + last + 1);
            // The differences already span the box: no line left, in this channel or the next, can widen it (after
            // a convolution, most boxes).
            if (y0 == box.Y0 && y1 == box.Y1 && x0 == box.X0 && x1 == box.X1) return box;
        }
        return y0 < y1 ? new PlaneBox(y0, y1, x0, x1) : null;
    }
}
