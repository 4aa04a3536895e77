// Top-1 as DESIGN §4 defines it: argmax over the row, first index on ties, a NaN counting as the maximum (the
// first NaN wins), which is PyTorch's CPU argmax. Also the non-finite test for the `nonfinite` outcome.
namespace Neutron.Faults.Running;

public static class TopOne
{
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        if (row.Length == 0 || float.IsNaN(row[0])) return 0;
        float max = row[0];
        for (int i = 1; i < row.Length; i++)
        {
            float v = row[i];
            if (float.IsNaN(v)) return i;
            if (v > max) { max = v; best = i; }
        }
        return best;
    }

    public static bool AnyNonFinite(ReadOnlySpan<float> row)
    {
        foreach (float v in row) if (!float.IsFinite(v)) return true;
        return false;
    }
}
