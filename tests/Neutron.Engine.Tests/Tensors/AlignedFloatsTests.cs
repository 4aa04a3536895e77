// AlignedFloats: every array has the length asked for and holds zeros, and the placement puts most of them on a
// cache line (the runtime alone does so for one array in eight). Placement depends on what else the heap holds, so
// the test runs alone: other tests allocating and collecting at the same time leave gaps that take the arrays. The
// pinned arrays that earlier tests freed leave such gaps too (14 or 15 of 32 arrays on a line in one run in three of
// the whole suite, 6 in another): pinned fillers take them first, in up to four rounds.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Tensors;

[CollectionDefinition(nameof(AlignedFloatsTests), DisableParallelization = true)]
public class AlignedFloatsAlone;

[Collection(nameof(AlignedFloatsTests))]
public class AlignedFloatsTests
{
    [Fact]
    public void Arrays_have_their_length_hold_zeros_and_mostly_start_a_line()
    {
        var rng = new Random(5);
        var fillers = new List<byte[]>();
        var arrays = new List<float[]>();
        var counts = new List<int>();
        // Each round's fillers take more of the gaps earlier tests left (large pinned buffers freed by many sessions
        // leave more than one round's fillers take): a later round places as an empty heap would.
        for (int round = 0; round < Rounds; round++)
        {
            foreach (int bytes in new[] { 1 << 20, 85_000, 8_192 })
                for (int i = 0; i < 64; i++)
                    fillers.Add(GC.AllocateUninitializedArray<byte>(bytes, pinned: true));
            int aligned = 0;
            foreach (int size in new[] { 0, 1, 255, 256, 1000, 9216, 21_249, 21_250, 100_000, 1_000_000 })
                for (int i = 0; i < 4; i++)
                {
                    int length = size + (size >= 256 ? rng.Next(40) : 0);
                    var a = AlignedFloats.Allocate(length);
                    Assert.Equal(length, a.Length);
                    Assert.True(a.AsSpan().IndexOfAnyExcept(0f) < 0, $"an array of {length} floats is not zeroed");
                    arrays.Add(a);
                    if (length >= 256 && AlignedFloats.Misalignment(a) == 0) aligned++;
                }
            counts.Add(aligned);
            if (aligned >= 18) break;
        }
        // 32 arrays of 256 floats or more: 24 to 28 start a line here; 9 without the fillers, 4 by the runtime alone.
        Assert.True(counts[^1] >= 18, $"{string.Join(", ", counts)} of 32 arrays start a cache line, round by round");
        GC.KeepAlive(arrays);
        GC.KeepAlive(fillers);
    }

    private const int Rounds = 4;
}
