// Splits a flat range into contiguous chunks for element-wise operators (Relu, BatchNormalization, ...): memory-
// bound passes over large activations use both cores. Chunks are fixed-size, so results never depend on threads.
namespace Neutron.Engine.Execution;

public static class ParallelChunks
{
    /// <summary>Chunk length: large enough to amortise a work item, small enough to balance two cores.</summary>
    public const int ChunkSize = 1 << 16;

    /// <summary>Runs body(start, length) over [0, total) in chunks, in parallel when there is more than one.</summary>
    public static void For(int total, Action<int, int> body)
    {
        int chunks = (total + ChunkSize - 1) / ChunkSize;
        if (chunks <= 1)
        {
            if (total > 0) body(0, total);
            return;
        }
        Parallelism.For(chunks, ChunkSize, i => body(i * ChunkSize, Math.Min(ChunkSize, total - i * ChunkSize)));
    }
}
