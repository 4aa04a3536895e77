// Float scratch buffers shared by kernels (GEMM packing, im2col), rented per call and returned after. Each thread
// keeps a few buffers it returned for itself, so threads that each run their own images (ImageGroups, the fault
// runner's workers) reuse buffers still in their own caches rather than trade them; past those, buffers go to one
// shared stack, since the thread pool moves work between threads it creates and retires. The pool holds at most as
// many buffers as calls ever ran at once, each grown to the largest request seen, so steady-state inference
// allocates nothing here.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Kernels;

internal static class ScratchPool
{
    private static readonly Stack<float[]> free = new();

    /// <summary>Most buffers a thread keeps for itself.</summary>
    private const int Own = 8;

    [ThreadStatic] private static Stack<float[]>? mine;

    /// <summary>A buffer of at least size floats (contents undefined); give it back with Return.</summary>
    public static float[] Rent(int size)
    {
        float[]? buffer = null;
        if (mine is { Count: > 0 } own) buffer = own.Pop();
        else
            lock (free)
            {
                if (free.Count > 0) buffer = free.Pop();
            }
        if (buffer is null || buffer.Length < size)
            buffer = AlignedFloats.Allocate(Math.Max(size, buffer?.Length ?? 0));
        return buffer;
    }

    public static void Return(float[] buffer)
    {
        var own = mine ??= new Stack<float[]>(Own);
        if (own.Count < Own)
        {
            own.Push(buffer);
            return;
        }
        lock (free) free.Push(buffer);
    }
}
