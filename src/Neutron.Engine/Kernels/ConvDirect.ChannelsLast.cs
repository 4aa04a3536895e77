// The pixel-rows path's copy out for a channels-last (NHWC) output: a chunk's product already is [pixels][channels],
// so each pixel's channels go to its row of the output as they are, no transpose. The bias, a fused shortcut (laid
// out as the output) and the activation on the way: each element's (product + b) + shortcut, then f, as CopyOut.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public static unsafe partial class ConvDirect
{
    /// <summary>Pixels [first, first + count) of a chunk's product (rows of width floats, output channels
    /// [m0, m0 + channels)) into the NHWC y: y[p·M + m0 + m] = f((product[i, m] + bias[m]) + shortcut[p·M + m0 + m])
    /// for the batch pixel p = n0·oH·oW + first + i. No bias addition when bias is empty, none of a shortcut when
    /// there is none.</summary>
    private ref struct CopyOutRows(Conv2D g, int n0, int first, int count, float[] product, int width, int m0, int channels,
        ReadOnlySpan<float> bias, Shortcut? shortcut, Activation f, float[] y) : IActivationUser
    {
        private readonly ReadOnlySpan<float> bias = bias;

        public readonly void Run<T>(T vf) where T : struct, IVectorActivation
        {
            bool hasBias = !bias.IsEmpty, hasShortcut = shortcut is not null, convFirst = shortcut is { ConvFirst: true };
            long start = ((long)n0 * g.OutSpatial + first) * g.M + m0;
            fixed (float* src = product, dst = &y[start], bp = bias, shortcutAt = shortcut?.Values)
            {
                float* sp = hasShortcut ? shortcutAt + start : null;
                for (int i = 0; i < count; i++)
                {
                    float* s = src + (long)i * width, d = dst + (long)i * g.M, k = sp is null ? null : sp + (long)i * g.M;
                    // Vector256 stores: the rows start where the tensor's array puts them, and Vector512 stores that
                    // cross cache lines made MobileNetV2's expansions 35 % slower than the NCHW transposes.
                    int m = 0;
                    for (; m + 8 <= channels; m += 8)
                    {
                        var v = Vector256.Load(s + m);
                        if (hasBias) v += Vector256.Load(bp + m);
                        if (k is not null) v = Shortcut.Add(v, k + m, convFirst);
                        vf.Apply(v).Store(d + m);
                    }
                    for (; m < channels; m++) d[m] = Last(s[m], hasBias, bp, m, k, convFirst, f);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Last(float v, bool hasBias, float* bias, int m, float* shortcut, bool convFirst, Activation f)
        {
            if (hasBias) v += bias[m];
            if (shortcut is not null) v = Shortcut.Add(v, shortcut[m], convFirst);
            return ActivationKernels.Reference(f, v);
        }
    }
}
