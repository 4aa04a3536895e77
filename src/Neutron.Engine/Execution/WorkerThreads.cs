// The threads that share an operator's work items with the calling thread. An inference runs one operator after
// another, each split into items that take tens of microseconds; waking a sleeping thread-pool thread for each
// costs as much as an item. These workers instead spin for a while after each loop, so the next operator's items
// find them awake, and sleep only when no loop came for SpinLimit. One loop runs at a time: a caller that finds
// the workers busy (another thread's loop, or a loop inside an item) gets false from TryFor and runs elsewhere.
// Which thread runs an item never changes what it computes.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Neutron.Engine.Execution;

internal static class WorkerThreads
{
    /// <summary>How long an idle worker spins for the next loop before it sleeps.</summary>
    private static readonly long SpinLimit = Stopwatch.Frequency / 1000; // 1 ms

    /// <summary>
    /// One parallel loop. Participant j (0 the caller, j the worker of that number) owns the items
    /// [Starts[j], Starts[j + 1]) and takes them in order, then helps with the others' that are left. Operators number
    /// their items image by image, so each thread keeps working on the same images from one operator to the next
    /// and finds them in its own caches; the help at the end keeps a late thread from holding up the loop.
    /// </summary>
    private sealed class Loop
    {
        public readonly int Count, Participants;
        public readonly Action<int> Body;
        public readonly int[] Starts;
        public readonly PaddedCounter[] Next;
        public int Finished;
        public volatile bool Failed;
        public Exception? Error;

        public Loop(int count, int participants, Action<int> body)
        {
            Count = count;
            Participants = participants;
            Body = body;
            Starts = new int[participants + 1];
            Next = new PaddedCounter[participants];
            for (int j = 0; j <= participants; j++) Starts[j] = (int)((long)count * j / participants);
            for (int j = 0; j < participants; j++) Next[j].Value = Starts[j];
        }
    }

    /// <summary>A counter alone on its cache line, so two threads taking items from their own blocks do not contend.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [System.Runtime.InteropServices.FieldOffset(64)] public int Value;
    }

    private static readonly object gate = new();
    private static readonly List<Thread> workers = [];
    private static Loop? current;
    private static long generation;
    private static int sleepers, busy;

    /// <summary>
    /// Runs body(i) for i in [0, count) on the calling thread and up to threads − 1 workers; returns false, having
    /// run nothing, when the workers are taken by another loop.
    /// </summary>
    public static bool TryFor(int count, int threads, Action<int> body)
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        try
        {
            int helpers = Math.Min(threads, count) - 1;
            EnsureWorkers(helpers);
            var loop = new Loop(count, helpers + 1, body);
            Volatile.Write(ref current, loop);
            Interlocked.Increment(ref generation);
            if (Volatile.Read(ref sleepers) > 0)
                lock (gate) Monitor.PulseAll(gate);
            Work(loop, 0);
            // The items other threads claimed may still be running; the loop ends when every item has.
            var spin = new SpinWait();
            while (Volatile.Read(ref loop.Finished) < count) spin.SpinOnce(-1);
            if (loop.Error is { } error) ExceptionDispatchInfo.Throw(error);
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private static void Work(Loop loop, int me)
    {
        for (int k = 0; k < loop.Participants; k++)
        {
            int block = (me + k) % loop.Participants, end = loop.Starts[block + 1], i;
            while ((i = Interlocked.Increment(ref loop.Next[block].Value) - 1) < end)
            {
                // After a failure the remaining items are only counted, so the caller's wait ends and it rethrows.
                if (!loop.Failed)
                {
                    try
                    {
                        loop.Body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref loop.Error, e, null);
                        loop.Failed = true;
                    }
                }
                Interlocked.Increment(ref loop.Finished);
            }
        }
    }

    private static void EnsureWorkers(int needed)
    {
        if (workers.Count >= needed) return;
        lock (gate)
        {
            while (workers.Count < needed)
            {
                int number = workers.Count + 1;
                var thread = new Thread(() => WorkerMain(number)) { IsBackground = true, Name = $"neutron worker {number}" };
                workers.Add(thread);
                thread.Start();
            }
        }
    }

    private static void WorkerMain(int number)
    {
        long seen = Volatile.Read(ref generation);
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            var spin = new SpinWait();
            while (Volatile.Read(ref generation) == seen && Stopwatch.GetTimestamp() - start < SpinLimit) spin.SpinOnce(-1);
            if (Volatile.Read(ref generation) == seen)
            {
                lock (gate)
                {
                    Interlocked.Increment(ref sleepers);
                    while (Volatile.Read(ref generation) == seen) Monitor.Wait(gate);
                    Interlocked.Decrement(ref sleepers);
                }
            }
            seen = Volatile.Read(ref generation);
            var loop = Volatile.Read(ref current);
            // A loop wants only so many helpers; a late worker finds its items taken and leaves at once.
            if (loop is not null && number < loop.Participants) Work(loop, number);
        }
    }
}
