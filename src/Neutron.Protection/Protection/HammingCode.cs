// Check bits of Hamming codes: single-error correction (SEC) needs the smallest r with 2^r ≥ k + r + 1 for k data
// bits (32 → 6, the (38,32) code; 16 → 5; 8 → 4); SEC-DED (also detecting double errors) adds one overall parity bit.
namespace Neutron.Protection.Protection;

public enum EccCode
{
    /// <summary>Hamming single-error correction.</summary>
    Sec,
    /// <summary>Extended Hamming: single-error correction, double-error detection.</summary>
    SecDed,
}

public static class HammingCode
{
    public static int CheckBits(int dataBits, EccCode code = EccCode.Sec)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataBits, 1);
        int r = 1;
        while ((1L << r) < dataBits + r + 1) r++;
        return code == EccCode.SecDed ? r + 1 : r;
    }

    /// <summary>"Hamming (38,32) SEC", "extended Hamming (39,32) SEC-DED".</summary>
    public static string Describe(int dataBits, EccCode code)
    {
        int n = dataBits + CheckBits(dataBits, code);
        return code == EccCode.Sec ? $"Hamming ({n},{dataBits}) SEC" : $"extended Hamming ({n},{dataBits}) SEC-DED";
    }
}
