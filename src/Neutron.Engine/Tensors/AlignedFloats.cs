// Float arrays whose first element starts a 64-byte cache line. The vector kernels read whole vectors from a buffer's
// first element on (a channels-last pixel's channels, a packed filter panel), and a Vector512 load from a misaligned
// address spans two cache lines. The runtime places an array's first element at any multiple of 8 bytes, which splits
// most loads of a 512-bit kernel: MobileNetV2's 144-channel depthwise tile ran 25 ns per call on
// misaligned data against 18.6 ns aligned (L1-resident, one thread), and which buffers are aligned would change from
// one process to the next. .NET has no aligned array allocation, so this places one. Arrays are allocated
// pinned: the pinned object heap never moves them, so an aligned array stays aligned. Objects allocated in a row lie
// back to back, so a filler sized from where the last one ends puts the next on a line: a small array that lands off
// a line is allocated again after one; a large array is allocated once, after a probe (which shows where large
// objects go now) and a filler. The runtime may place them elsewhere (in a gap freed by the collector); then the
// array is simply misaligned, which costs speed, never correctness.
using System.Runtime.CompilerServices;

namespace Neutron.Engine.Tensors;

internal static class AlignedFloats
{
    /// <summary>The alignment sought, in bytes: one cache line, one Vector512.</summary>
    public const int Line = 64;

    /// <summary>Shorter arrays are allocated as usual: a few vectors are not worth a pinned allocation.</summary>
    private const int MinLength = 256;

    /// <summary>Tries for a small array: each allocates it again, which costs little below the large object size.
    /// A large one is allocated once, after a probe and a filler: allocating it again would double what a plan
    /// allocates (and what its budget counts).</summary>
    private const int SmallAttempts = 16;

    /// <summary>Probes before a large array, at most.</summary>
    private const int LargeAttempts = 2;

    /// <summary>Arrays of this many bytes or more are placed apart from smaller ones (the large object path), so
    /// their filler must be as large, or it lands elsewhere.</summary>
    private const int LargeObjectBytes = 85_000;

    /// <summary>Bytes from the end of one array's elements to the first element of an array allocated right after it
    /// (the next object's header, method table and length); the end rounded up to 8 bytes first.</summary>
    private const int Gap = 24;

    private static readonly Lock gate = new();

    /// <summary>A zeroed array of length floats, its first element on a cache line when the runtime obliges.</summary>
    public static float[] Allocate(int length)
    {
        if (length < MinLength) return new float[length];
        // One placement at a time: another thread's allocation between a filler and its array would take the place.
        lock (gate) return Place(length);
    }

    private static float[] Place(int length)
    {
        if (4L * length >= LargeObjectBytes)
        {
            PlaceNextLargeOnALine();
            return GC.AllocateArray<float>(length, pinned: true);
        }
        var array = GC.AllocateArray<float>(length, pinned: true);
        for (int attempt = 1; attempt < SmallAttempts && Misalignment(array) != 0; attempt++)
        {
            PlaceNextOnALine(Address(array) + 4L * length, 8);
            array = GC.AllocateArray<float>(length, pinned: true);
        }
        return array;
    }

    /// <summary>A large pinned object goes after the last one unless a freed gap holds it: a probe shows where that
    /// is, and a filler after it puts the next large object on a line. A filler that did not land right after its
    /// probe went into a gap, which a second probe may have filled.</summary>
    private static void PlaceNextLargeOnALine()
    {
        for (int attempt = 0; attempt < LargeAttempts; attempt++)
        {
            var probe = GC.AllocateUninitializedArray<byte>(LargeObjectBytes, pinned: true);
            var filler = PlaceNextOnALine(Address(probe) + LargeObjectBytes, LargeObjectBytes);
            if (Address(filler) == RoundUp8(Address(probe) + LargeObjectBytes) + Gap) return;
        }
    }

    /// <summary>A filler of at least least bytes, sized so that if it lies right after the object whose elements end
    /// at end, the object after it starts a line.</summary>
    private static byte[] PlaceNextOnALine(long end, int least)
    {
        long fillerStart = RoundUp8(end) + Gap;
        int filler = least + (int)((Line - (fillerStart + least + Gap) % Line) % Line);
        return GC.AllocateUninitializedArray<byte>(filler, pinned: true);
    }

    /// <summary>How many bytes past a cache line the array's first element lies (0 for an empty array).</summary>
    public static int Misalignment(float[] array) => array.Length == 0 ? 0 : (int)(Address(array) % Line);

    private static unsafe long Address(float[] array) => (long)Unsafe.AsPointer(ref array[0]);

    private static unsafe long Address(byte[] array) => (long)Unsafe.AsPointer(ref array[0]);

    private static long RoundUp8(long x) => (x + 7) & ~7L;
}
