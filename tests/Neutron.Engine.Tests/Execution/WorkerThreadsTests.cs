using Neutron.Engine.Execution;
using Xunit;

namespace Neutron.Engine.Tests.Execution;

public class WorkerThreadsTests
{
    // Other tests' loops may hold the workers for a moment; a refused loop ran nothing, so it is tried again.
    private static void For(int count, Action<int> body)
    {
        while (!WorkerThreads.TryFor(count, 2, body)) Thread.Yield();
    }

    [Fact]
    public void Every_item_runs_once_on_at_most_the_allowed_threads()
    {
        for (int round = 0; round < 200; round++)
        {
            int count = 1 + round % 37;
            var runs = new int[count];
            var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
            For(count, i =>
            {
                Interlocked.Increment(ref runs[i]);
                threads[Environment.CurrentManagedThreadId] = true;
                Thread.SpinWait(200);
            });
            Assert.All(runs, r => Assert.Equal(1, r));
            Assert.True(threads.Count <= 2, $"{threads.Count} threads ran a loop of two");
        }
    }

    [Fact]
    public void An_items_exception_reaches_the_caller_as_itself_and_the_workers_stay_usable()
    {
        var error = Assert.Throws<ModelException>(() => For(64, i =>
        {
            if (i == 17) throw new ModelException(ModelErrorCode.InvalidAttribute, "item 17");
        }));
        Assert.Equal("item 17", error.Message);
        int sum = 0;
        For(100, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void Nested_and_concurrent_loops_run_every_item_through_the_fallback()
    {
        // Loops inside items, from several threads at once: the workers take one loop, the others the thread pool.
        var totals = new long[4];
        using var limit = Parallelism.LimitThisThread(2);
        Parallel.For(0, totals.Length, caller =>
        {
            using var inner = Parallelism.LimitThisThread(2);
            for (int round = 0; round < 20; round++)
                Parallelism.For(8, 1 << 20, outer =>
                    Parallelism.For(16, 1 << 20, i => Interlocked.Add(ref totals[caller], outer * 16 + i)));
        });
        Assert.All(totals, t => Assert.Equal(20L * (127 * 128 / 2), t));
    }
}
