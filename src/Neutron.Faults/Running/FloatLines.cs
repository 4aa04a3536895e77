// Copies and clears of the short lines of a box (3 to 30 floats in ResNet-20's first stages), which the box paths
// make one line at a time by the hundred thousand per fault: inlined vector moves, the last one overlapping the one
// before (source and destination never overlap each other), where a Span CopyTo's call and size dispatch cost more
// than the copy itself. Longer lines go through Buffer.MemoryCopy.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neutron.Faults.Running;

internal static unsafe class FloatLines
{
    /// <summary>n floats from s to d (separate buffers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* s, float* d, int n)
    {
        if (n >= 16)
        {
            if (n > 32 || !Vector512.IsHardwareAccelerated)
            {
                Buffer.MemoryCopy(s, d, (long)n * sizeof(float), (long)n * sizeof(float));
                return;
            }
            Vector512.Load(s).Store(d);
            Vector512.Load(s + n - 16).Store(d + n - 16);
            return;
        }
        if (n >= 8)
        {
            Vector256.Load(s).Store(d);
            Vector256.Load(s + n - 8).Store(d + n - 8);
            return;
        }
        if (n >= 4)
        {
            Vector128.Load(s).Store(d);
            Vector128.Load(s + n - 4).Store(d + n - 4);
            return;
        }
        for (int i = 0; i < n; i++) d[i] = s[i];
    }

    /// <summary>n zeros at d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(float* d, int n)
    {
        if (n > 16)
        {
            new Span<float>(d, n).Clear();
            return;
        }
        if (n >= 8)
        {
            Vector256<float>.Zero.Store(d);
            Vector256<float>.Zero.Store(d + n - 8);
            return;
        }
        for (int i = 0; i < n; i++) d[i] = 0f;
    }
}
