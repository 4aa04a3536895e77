// Memory cost of ECC on stored weights (the DATE 2023 framework's step III, Table III), as shares of the unprotected
// weights' bits. ecc-all codes every W-bit word; ecc-critical codes only Critical Parameters (those with at least one
// critical bit) and adds a signature of one bit per parameter saying which are coded (itself assumed protected);
// ecc-bits codes only bit positions HI..LO of every word (k = HI − LO + 1 data bits), with no signature. ECC adds no
// arithmetic to the network (decoding sits in the memory path; its latency is not modelled): compute overhead 0.
// Verifying a scheme by injection is not here.
namespace Neutron.Protection.Protection;

public sealed record ProtectionCost(
    string Scheme, string Code, long Parameters, int WordBits, long ProtectedParameters, int CheckBitsPerWord,
    double EccPct, double SignaturePct, double ComputeOverheadPct, double EccAllPct)
{
    /// <summary>Check bits plus signature, as a share of the unprotected weights' bits.</summary>
    public double MemoryOverheadPct => EccPct + SignaturePct;

    /// <summary>How much less memory than ECC on every parameter (with the same code), as a share of that.</summary>
    public double GainVsEccAllPct => EccAllPct == 0 ? 0 : 100 * (EccAllPct - MemoryOverheadPct) / EccAllPct;
}

public static class EccProtection
{
    public static ProtectionCost All(long parameters, int wordBits, EccCode code = EccCode.Sec)
    {
        Check(parameters, wordBits);
        int r = HammingCode.CheckBits(wordBits, code);
        double pct = 100.0 * r / wordBits;
        return new ProtectionCost("ecc-all", HammingCode.Describe(wordBits, code), parameters, wordBits, parameters, r, pct, 0, 0, pct);
    }

    public static ProtectionCost Critical(long parameters, int wordBits, long criticalParameters, EccCode code = EccCode.Sec)
    {
        Check(parameters, wordBits);
        ArgumentOutOfRangeException.ThrowIfNegative(criticalParameters);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(criticalParameters, parameters);
        int r = HammingCode.CheckBits(wordBits, code);
        double total = (double)parameters * wordBits;
        return new ProtectionCost("ecc-critical", HammingCode.Describe(wordBits, code), parameters, wordBits, criticalParameters, r,
            100.0 * criticalParameters * r / total, 100.0 * parameters / total, 0, All(parameters, wordBits, code).EccPct);
    }

    public static ProtectionCost Bits(long parameters, int wordBits, int high, int low, EccCode code = EccCode.Sec)
    {
        Check(parameters, wordBits);
        if (low < 0 || high < low || high >= wordBits)
            throw new ArgumentOutOfRangeException(nameof(high), $"bits {high}-{low} are not a range within the {wordBits}-bit word (HI ≥ LO, 0..{wordBits - 1})");
        int k = high - low + 1, r = HammingCode.CheckBits(k, code);
        return new ProtectionCost($"ecc-bits:{high}-{low}", HammingCode.Describe(k, code), parameters, wordBits, parameters, r,
            100.0 * r / wordBits, 0, 0, All(parameters, wordBits, code).EccPct);
    }

    private static void Check(long parameters, int wordBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(wordBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(wordBits, 64);
    }
}
