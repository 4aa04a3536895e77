// What `neutron report` draws from: the campaign, and the optional extras (a class taxonomy for SCM, a BER sweep,
// the fault probability at which the trust table is read). Options are an immutable record.
using Neutron.Analysis.Ber;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Taxonomy;

namespace Neutron.Results.Report;

public sealed record ReportInput(CampaignData Campaign)
{
    public ClassTaxonomy? Taxonomy { get; init; }
    public BerResult? Ber { get; init; }
    /// <summary>Fault probability for the trust table; the trust chart sweeps 0…1 regardless.</summary>
    public double FaultProbability { get; init; } = 0.5;
    /// <summary>Tolerance (pp) for per-layer and per-bit critical fractions.</summary>
    public double Tolerance { get; init; } = 1.0;
    public string Title { get; init; } = "Neutron fault-injection report";
    /// <summary>Raw upset rate of the weight memory (FIT per 2^20 bits), for the FIT verdict; null: no FIT.</summary>
    public double? FitPerMbit { get; init; }
    /// <summary>FIT the model's critical failures must stay below (ISO 26262 ASIL D: 10).</summary>
    public double FitTarget { get; init; } = Analysis.Ber.FitEstimate.AsilDTarget;
    /// <summary>Largest acceptable critical-fault rate (a share), for the verdict; null: none stated.</summary>
    public double? CriticalTarget { get; init; }
    /// <summary>Section ids to leave out (e.g. "trust", "sink-classes").</summary>
    public IReadOnlySet<string> Skip { get; init; } = new HashSet<string>();
    public DateTimeOffset? Generated { get; init; }
    /// <summary>Stored predictions and protected campaigns, for Tables II and III, the map and the Pareto front.</summary>
    public CriticalityInput? Criticality { get; init; }
}
