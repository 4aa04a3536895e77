// How one stored tensor is encoded: a single format, or one format per channel along axis 0 (per-channel int8).
// Element indices are flat row-major, as in a fault's text form.
namespace Neutron.Faults.Formats;

public sealed class TensorEncoding
{
    private readonly NumberFormat[] channels;
    private readonly long channelSize;

    public TensorEncoding(NumberFormat format)
    {
        Format = format;
        channels = [format];
        channelSize = long.MaxValue;
    }

    public TensorEncoding(NumberFormat format, NumberFormat[] perChannel, long channelSize)
    {
        if (perChannel.Length == 0 || channelSize <= 0) throw new ArgumentException("per-channel encoding needs at least one channel of positive size");
        foreach (var f in perChannel)
            if (f.Width != format.Width) throw new ArgumentException($"channel format {f.Name} is {f.Width} bits, the tensor's {format.Name} {format.Width}");
        Format = format;
        channels = perChannel;
        this.channelSize = channelSize;
    }

    /// <summary>The format family (its Name and Width hold for every element).</summary>
    public NumberFormat Format { get; }
    public int Width => Format.Width;
    public bool PerChannel => channels.Length > 1;
    public IReadOnlyList<NumberFormat> Channels => channels;

    public NumberFormat At(long element) => channels.Length == 1 ? channels[0] : channels[element / channelSize];
    public uint Encode(long element, float value) => At(element).Encode(value);
    public float Decode(long element, uint word) => At(element).Decode(word);

    /// <summary>Stores values in words and replaces each value by what its word decodes to.</summary>
    public void Store(Span<float> values, Span<uint> words)
    {
        for (int i = 0; i < values.Length; i++)
        {
            var f = At(i);
            words[i] = f.Encode(values[i]);
            values[i] = f.Decode(words[i]);
        }
    }

    /// <summary>Replaces each value by Decode(Encode(value)) (fake quantisation).</summary>
    public void Quantize(Span<float> values)
    {
        if (channels.Length == 1)
        {
            var f = channels[0];
            for (int i = 0; i < values.Length; i++) values[i] = f.Decode(f.Encode(values[i]));
            return;
        }
        for (int i = 0; i < values.Length; i++) values[i] = At(i).Quantize(values[i]);
    }
}
