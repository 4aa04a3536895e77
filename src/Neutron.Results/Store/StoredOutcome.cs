// One fault's outcome as stored: the counts of DESIGN §4 and the images whose faulty top-1 differs from golden.
// The runner's FaultOutcome converts to this one to one; drop and critical(τ) are derived here, never stored twice.
namespace Neutron.Results.Store;

public sealed record StoredOutcome(long FaultIndex, int Images, int GoldenCorrect, int FaultyCorrect, int Sdc, int NonFinite, (int Image, int Top1)[] Changed,
    OutcomeProtection Protection = OutcomeProtection.None)
{
    /// <summary>Golden accuracy − faulty accuracy, in percentage points.</summary>
    public double Drop => Images == 0 ? 0 : 100.0 * (GoldenCorrect - FaultyCorrect) / Images;

    /// <summary>critical(τ): the drop exceeds τ percentage points.</summary>
    public bool Critical(double tolerance) => Drop > tolerance;
}

/// <summary>An outcome row joined with its fault text, as export and summary read it.</summary>
public sealed record OutcomeRow(long FaultIndex, string Fault, int Images, int GoldenCorrect, int FaultyCorrect, int Sdc, int NonFinite)
{
    public double Drop => Images == 0 ? 0 : 100.0 * (GoldenCorrect - FaultyCorrect) / Images;
}

/// <summary>The golden model's answer on one evaluation image.</summary>
public readonly record struct GoldenPrediction(int Image, int Label, int Top1);

/// <summary>What a campaign's protection did with a fault before it ran (stored as outcomes.protection).</summary>
public enum OutcomeProtection
{
    /// <summary>Not protected (or not fully): the fault ran.</summary>
    None = 0,
    /// <summary>Corrected by ECC or outvoted by TMR: no effect, stored as the golden outcome.</summary>
    Corrected = 1,
    /// <summary>Detected (SEC-DED double error, DMR mismatch): a detected error, not an SDC; stored as the golden outcome.</summary>
    Detected = 2,
}
