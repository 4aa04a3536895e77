// A fixed gang of worker threads for operators' parallel loops: the calling thread and the workers take a loop's
// indices from one shared counter. Parallel.For allocates its bookkeeping on every call and wakes thread-pool threads
// each time; a LeNet-sized layer lasts tens of microseconds, so that overhead was a sizeable part of it. Workers spin
// briefly after a loop (the next layer usually follows within microseconds), then sleep on a semaphore.
// One loop at a time: a second caller (another thread, or a loop nested in a loop's body) is refused and takes
// Parallel.For instead. Which thread runs which index never changes a result: operators split work over outputs only.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Neutron.Engine.Execution;

internal static class WorkerGang
{
    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    private static Worker[] workers = []; // grown under busy; a loop uses the first threads − 1
    private static int busy;

    // The current loop: read by workers after they see a new generation.
    private static Action<int>? body;
    private static int count, next, pending, generation;
    private static Exception? failure;

    /// <summary>Runs body(i) for i in [0, count) on the caller and threads − 1 workers; false (nothing run) when
    /// the gang is in use.</summary>
    public static bool TryRun(int count, int threads, Action<int> body)
    {
        if (threads < 2 || Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        try
        {
            if (workers.Length < threads - 1) Grow(threads - 1);
            int helpers = threads - 1;
            WorkerGang.body = body;
            WorkerGang.count = count;
            failure = null;
            Volatile.Write(ref next, 0);
            Volatile.Write(ref pending, helpers);
            // Workers past the helpers keep an older assignment and sit this loop out.
            for (int i = 0; i < helpers; i++) workers[i].Assign(generation + 1);
            Interlocked.Increment(ref generation); // publishes the loop
            for (int i = 0; i < helpers; i++) workers[i].Wake();
            Work();
            var spinner = new SpinWait();
            while (Volatile.Read(ref pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
            WorkerGang.body = null;
            if (failure is { } f) ExceptionDispatchInfo.Throw(f);
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private static void Grow(int size)
    {
        var grown = new Worker[size];
        workers.CopyTo(grown, 0);
        for (int i = workers.Length; i < size; i++) grown[i] = new Worker(i, Volatile.Read(ref generation));
        workers = grown;
    }

    /// <summary>Takes indices until none are left; the first exception stops the loop and is kept for the caller.</summary>
    private static void Work()
    {
        var run = body!;
        int total = count;
        for (int i = Interlocked.Increment(ref next) - 1; i < total; i = Interlocked.Increment(ref next) - 1)
        {
            try
            {
                run(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                Volatile.Write(ref next, total);
            }
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim signal = new(0);
        private int sleeping;
        private int seen; // the last generation this worker saw (or the one current at its creation)
        private int assigned; // the last generation whose loop this worker is one of the helpers of

        public Worker(int index, int generation)
        {
            seen = generation;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Neutron worker {index + 1}" };
            thread.Start();
        }

        /// <summary>Makes this worker a helper of the loop about to be published as the given generation.</summary>
        public void Assign(int loop) => Volatile.Write(ref assigned, loop);

        /// <summary>Called after a new generation is published: a sleeping worker is woken, a spinning one sees it.</summary>
        public void Wake()
        {
            if (Interlocked.CompareExchange(ref sleeping, 0, 1) == 1) signal.Release();
        }

        private void Loop()
        {
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                var spinner = new SpinWait();
                while (Volatile.Read(ref generation) == seen)
                {
                    if (Stopwatch.GetTimestamp() - start < SpinTicks)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                    // Announce the sleep, then look again: a loop published in between either is seen here, or
                    // its caller found sleeping = 1 and released the semaphore (then the wait must consume it).
                    Interlocked.Exchange(ref sleeping, 1); // a full fence: the read below cannot pass it
                    if (Volatile.Read(ref generation) != seen && Interlocked.CompareExchange(ref sleeping, 0, 1) == 1) break;
                    signal.Wait();
                    break;
                }
                seen = Volatile.Read(ref generation);
                // A loop on fewer threads leaves the later workers out (a spinning one still sees its generation);
                // the assignment is written before the generation, so a helper never misses it.
                if (Volatile.Read(ref assigned) != seen) continue;
                Work();
                Interlocked.Decrement(ref pending);
            }
        }
    }
}
