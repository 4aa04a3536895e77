// How many threads operators may use. Operators split work over output elements only, so results do not depend
// on this number (no reduction changes order). A caller that already runs one inference per thread (the fault
// runner's workers) limits its own thread to one, so operators do not nest a second level of parallelism.
namespace Neutron.Engine.Execution;

public static class Parallelism
{
    private static int maxThreads = Environment.ProcessorCount;
    [ThreadStatic] private static int threadLimit;

    /// <summary>Threads an operator may use on the calling thread (the process setting, or this thread's limit).</summary>
    public static int MaxThreads
    {
        get => threadLimit > 0 ? Math.Min(threadLimit, maxThreads) : maxThreads;
        set => maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"thread count must be ≥ 1, got {value}");
    }

    /// <summary>Limits operators called from this thread to <paramref name="threads"/> until the scope is disposed.</summary>
    public static ThreadLimit LimitThisThread(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"thread count must be ≥ 1, got {threads}");
        var scope = new ThreadLimit(threadLimit);
        threadLimit = threads;
        return scope;
    }

    public readonly struct ThreadLimit(int previous) : IDisposable
    {
        public void Dispose() => threadLimit = previous;
    }

    /// <summary>Runs body(i) for i in [0, count), in parallel when the work is worth it.</summary>
    public static void For(int count, long workPerItem, Action<int> body)
    {
        int threads = MaxThreads;
        if (count <= 1 || threads == 1 || workPerItem * count < 32_768)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        // The spinning workers when free; a loop nested in an item, or another thread's loop meanwhile, takes the
        // thread pool.
        if (WorkerThreads.TryFor(count, threads, body)) return;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
