// One fault's outcome as stored: the counts of DESIGN §4 and the images whose faulty top-1 differs from golden.
// The runner's FaultOutcome converts to this one to one; drop and critical(τ) are derived here, never stored twice.
namespace Neutron.Results.Store;

public sealed record StoredOutcome(long FaultIndex, int Images, int GoldenCorrect, int FaultyCorrect, int Sdc, int NonFinite, (int Image, int Top1)[] Changed)
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
