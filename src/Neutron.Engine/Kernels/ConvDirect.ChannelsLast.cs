// The pixel-rows path's copy out for a channels-last (NHWC) output: a chunk's product already is [pixels][channels],
// so each pixel's channels go to its row of the output as they are, no transpose; the row may be wider than the
// layer (its part of a channel Concat's output). The bias, a fused shortcut (laid out as the layer's own output) and
// the activation on the way: each element's (product + b) + shortcut, then f, as CopyOut.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

/// <summary>Where a channels-last output's pixels lie: Stride floats apart, the layer's channels from Offset on. (M, 0)
/// is the layer's own tensor; (C, c) its part of a channel Concat's C-channel output, which it writes in place.</summary>
public readonly record struct PixelRows(int Stride, int Offset);

public static unsafe partial class ConvDirect
{
    /// <summary>Pixels [first, first + count) of a chunk's product (rows of width floats, output channels
    /// [m0, m0 + channels)) into the NHWC y: y[p·S + o + m0 + m] = f((product[i, m] + bias[m]) + shortcut[p·M + m0 + m])
    /// for the batch pixel p = n0·oH·oW + first + i, with (S, o) the output's pixel rows. No bias addition when bias is
    /// empty, none of a shortcut when there is none.</summary>
    private ref struct CopyOutRows(Conv2D g, int n0, int first, int count, float[] product, int width, int m0, int channels,
        ReadOnlySpan<float> bias, Shortcut? shortcut, Activation f, float[] y, PixelRows rows) : IActivationUser
    {
        private readonly ReadOnlySpan<float> bias = bias;

        public readonly void Run<T>(T vf) where T : struct, IVectorActivation
        {
            bool hasBias = !bias.IsEmpty, hasShortcut = shortcut is not null, convFirst = shortcut is { ConvFirst: true };
            long pixel = (long)n0 * g.OutSpatial + first, start = pixel * rows.Stride + rows.Offset + m0;
            fixed (float* src = product, dst = &y[start], bp = bias, shortcutAt = shortcut?.Values)
            {
                float* sp = hasShortcut ? shortcutAt + pixel * g.M + m0 : null;
                for (int i = 0; i < count; i++)
                {
                    float* s = src + (long)i * width, d = dst + (long)i * rows.Stride, k = sp is null ? null : sp + (long)i * g.M;
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
