// Where a label ranks in a row of logits, by DESIGN §4's rule: larger first, a NaN counting as the maximum, ties
// broken by the lower index (PyTorch's CPU argmax). Top-1 correct means rank 0; top-5 means rank < 5. The one top-1
// rule of the engine, the fault runner and every analysis.
namespace Neutron.Engine.Data;

public static class TopK
{
    /// <summary>The index argmax returns: the first maximum, a NaN beating any number.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
            if (Beats(row[i], row[best])) best = i;
        return best;
    }

    /// <summary>How many entries rank before entry <paramref name="label"/>.</summary>
    public static int Rank(ReadOnlySpan<float> row, int label)
    {
        float v = row[label];
        int rank = 0;
        for (int j = 0; j < row.Length; j++)
            if (Beats(row[j], v) || (j < label && Same(row[j], v))) rank++;
        return rank;
    }

    /// <summary>Whether the row holds a NaN or an infinity.</summary>
    public static bool AnyNonFinite(ReadOnlySpan<float> row)
    {
        foreach (float v in row) if (!float.IsFinite(v)) return true;
        return false;
    }

    // a > b with NaN above every number; two NaNs are equal.
    private static bool Beats(float a, float b) => float.IsNaN(a) ? !float.IsNaN(b) : !float.IsNaN(b) && a > b;

    private static bool Same(float a, float b) => float.IsNaN(a) ? float.IsNaN(b) : a == b;
}
