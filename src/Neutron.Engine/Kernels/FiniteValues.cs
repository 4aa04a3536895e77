// Whether floats are all finite. A kernel that skips the taps over a convolution's padding (adding nothing where the
// plain arithmetic adds 0 · w) keeps the plain bits only while no weight is infinite or NaN: 0 · ∞ is NaN.
using System.Runtime.Intrinsics;

namespace Neutron.Engine.Kernels;

public static class FiniteValues
{
    /// <summary>Whether no value is infinite or NaN (v − v is 0 for every finite v, NaN otherwise).</summary>
    public static bool All(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(values.Slice(i, Vector256<float>.Count));
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero)) return false;
            }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return false;
        return true;
    }
}
