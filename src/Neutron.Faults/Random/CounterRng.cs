// Counter-based random numbers (DESIGN §4): every draw is a pure function of (seed, index, stream), a SplitMix64
// finaliser over the mixed key, so thread count, shard split and draw order change nothing. No state, no sharing.
namespace Neutron.Faults.Random;

public static class CounterRng
{
    /// <summary>64 random bits for (seed, index, stream).</summary>
    public static ulong Next(ulong seed, ulong index, ulong stream = 0)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL;
        z = Mix(z ^ (index + 0x632BE59BD9B4E019UL));
        z = Mix(z ^ (stream * 0xD1B54A32D192ED03UL + 0x8CB92BA72F3D8DD7UL));
        return z;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, ulong index, ulong stream = 0) => (Next(seed, index, stream) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, bound), without modulo bias (Lemire's method, rejection by sub-stream).</summary>
    public static ulong Below(ulong seed, ulong index, ulong stream, ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "bound must be positive");
        ulong threshold = (0 - bound) % bound;
        for (ulong attempt = 0; ; attempt++)
        {
            // Retries use a different stream bit pattern so the first draw stays a pure function of the key.
            ulong x = Next(seed, index, stream + (attempt << 32));
            ulong high = Math.BigMul(x, bound, out ulong low);
            if (low >= threshold) return high;
        }
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
