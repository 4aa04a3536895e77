// The worker gang behind Parallelism.For: every index runs exactly once, loop after loop (the workers' spin and
// sleep hand-over included), an exception in any index reaches the caller, and a loop nested in a loop's body or
// started from another thread while the gang is busy still runs (on Parallel.For).
using Neutron.Engine.Execution;

namespace Neutron.Engine.Tests.Execution;

public class WorkerGangTests
{
    [Fact]
    public void Every_index_runs_once_in_each_of_many_loops_with_pauses_that_let_the_workers_sleep()
    {
        for (int loop = 0; loop < 3000; loop++)
        {
            int count = 1 + loop % 37;
            var hits = new int[count];
            Parallelism.Run(count, 2 + loop % 2, i => Interlocked.Increment(ref hits[i])); // on 3 threads, one worker stays out
            Assert.All(hits, h => Assert.Equal(1, h));
            if (loop % 500 == 499) Thread.Sleep(5); // past the spin: the next loop must wake a sleeping worker
        }
    }

    [Fact]
    public void The_workers_take_part()
    {
        var threads = new HashSet<int>();
        for (int attempt = 0; attempt < 50 && threads.Count < 2; attempt++) // another test may hold the gang a moment
            WorkerGang.TryRun(64, 2, _ =>
            {
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
                Thread.SpinWait(20_000);
            });
        Assert.Equal(2, threads.Count);
    }

    [Fact]
    public void An_exception_in_one_index_reaches_the_caller_and_the_gang_stays_usable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Parallelism.Run(100, 2, i =>
        {
            if (i == 57) throw new InvalidOperationException("index 57");
        }));
        Assert.Equal("index 57", error.Message);
        var hits = new int[100];
        Parallelism.Run(100, 2, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Nested_and_concurrent_loops_run_every_index()
    {
        var hits = new int[8 * 50];
        Parallel.For(0, 4, _ =>
        {
            for (int repeat = 0; repeat < 20; repeat++)
                Parallelism.Run(8, 2, outer => Parallelism.Run(50, 2, inner => Interlocked.Increment(ref hits[outer * 50 + inner])));
        });
        Assert.All(hits, h => Assert.Equal(4 * 20, h));
    }
}
