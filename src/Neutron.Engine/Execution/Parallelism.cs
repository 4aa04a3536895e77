// How many threads operators may use. Operators split work over output elements only, so results do not depend
// on this number (no reduction changes order).
namespace Neutron.Engine.Execution;

public static class Parallelism
{
    private static int maxThreads = Environment.ProcessorCount;

    public static int MaxThreads
    {
        get => maxThreads;
        set => maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"thread count must be ≥ 1, got {value}");
    }

    /// <summary>Runs body(i) for i in [0, count), in parallel when the work is worth it.</summary>
    public static void For(int count, long workPerItem, Action<int> body)
    {
        if (count <= 1 || maxThreads == 1 || workPerItem * count < 32_768)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, body);
    }
}
