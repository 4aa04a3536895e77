// Float scratch buffers shared by kernels (GEMM packing, im2col), rented per call and returned after. Not
// [ThreadStatic]: the thread pool moves work between threads it creates and retires, and a per-thread buffer would
// be allocated again on each new thread. The pool holds at most as many buffers as calls ever ran at once, each
// grown to the largest request seen, so steady-state inference allocates nothing here.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Kernels;

internal static class ScratchPool
{
    private static readonly Stack<float[]> free = new();

    /// <summary>A buffer of at least size floats (contents undefined); give it back with Return.</summary>
    public static float[] Rent(int size)
    {
        float[]? buffer = null;
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
        lock (free) free.Push(buffer);
    }
}
