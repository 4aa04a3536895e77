// What one fault did over N evaluation images (DESIGN §4). Changed lists, sparse, each image whose faulty top-1
// differs from golden's, with that top-1 (the analyses need it for confusion and SCM).
namespace Neutron.Faults.Running;

public readonly record struct ImageTop1(int Image, int Top1);

public sealed record FaultOutcome(long FaultIndex, int Images, int GoldenCorrect, int FaultyCorrect, int Sdc, int NonFinite, ImageTop1[] Changed)
{
    /// <summary>Golden accuracy minus faulty accuracy, in percentage points.</summary>
    public double Drop => Images == 0 ? 0 : (GoldenCorrect - FaultyCorrect) * 100.0 / Images;

    /// <summary>critical(τ) of DESIGN §4: drop strictly above τ percentage points.</summary>
    public bool Critical(double tolerance) => Drop > tolerance;
}

/// <summary>A fault with its index in the campaign's plan (the key outcomes are stored under).</summary>
public readonly record struct PlannedFault(long Index, Fault Fault);

/// <summary>Receives outcomes in batches, in plan order within a batch, so a store can commit one transaction per batch.</summary>
public interface IOutcomeSink
{
    void Write(IReadOnlyList<FaultOutcome> outcomes);
}

/// <summary>Collects outcomes in memory (tests, small campaigns).</summary>
public sealed class ListSink : IOutcomeSink
{
    public List<FaultOutcome> Outcomes { get; } = [];
    public void Write(IReadOnlyList<FaultOutcome> outcomes) => Outcomes.AddRange(outcomes);
}

/// <summary>Progress after each batch: faults done of total, and the running SDC and non-finite totals.</summary>
public readonly record struct RunProgress(long Done, long Total, long SdcFaults, long SdcImages, long ImagesRun, TimeSpan Elapsed)
{
    /// <summary>Fraction of faults with at least one SDC so far.</summary>
    public double SdcFaultRate => Done == 0 ? 0 : (double)SdcFaults / Done;
    public TimeSpan? Eta => Done == 0 ? null : TimeSpan.FromTicks((long)(Elapsed.Ticks * (double)(Total - Done) / Done));
}
