// Splits a batch into a fixed number of contiguous chunks, run in parallel. Gradients summed over the batch
// (weights, biases, BN scale) get one partial per chunk, added up in chunk order afterwards, so results depend
// on the batch only, never on the thread count or scheduling.
using Neutron.Engine.Execution;

namespace Neutron.Engine.Autodiff;

internal static class Chunks
{
    public const int Max = 8;

    public static int Count(int items) => Math.Max(1, Math.Min(items, Max));

    public static (int Start, int End) Range(int chunk, int chunks, int items) =>
        ((int)((long)items * chunk / chunks), (int)((long)items * (chunk + 1) / chunks));

    /// <summary>Runs body(chunk, start, end) over the chunks; workPerItem guides whether threads pay off.</summary>
    public static void For(int items, long workPerItem, Action<int, int, int> body)
    {
        int chunks = Count(items);
        Parallelism.For(chunks, workPerItem * items / chunks, c =>
        {
            var (s, e) = Range(c, chunks, items);
            body(c, s, e);
        });
    }

    /// <summary>Adds the chunk partials, in order, into target.</summary>
    public static void Reduce(float[][] partials, Span<float> target)
    {
        foreach (var p in partials)
            for (int i = 0; i < target.Length; i++) target[i] += p[i];
    }
}
