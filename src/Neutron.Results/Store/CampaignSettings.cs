// What defines a campaign, as recorded with it (DESIGN §6): enough to reproduce the fault list and to refuse a
// resume or merge that would mix different campaigns. Created and Shard are bookkeeping: two shards of one campaign
// differ only there; MemoryBudget is how it ran, not what it is. Stored in the `campaigns` table by CampaignStore.
using Neutron.Analysis.Planning;
using Neutron.Faults.Sites;

namespace Neutron.Results.Store;

public sealed record CampaignSettings
{
    public required string ToolVersion { get; init; }
    public required string ModelPath { get; init; }
    public required string ModelSha256 { get; init; }
    public required string DataSpec { get; init; }
    public required int Images { get; init; }
    /// <summary>The weights' (memory) number format.</summary>
    public required string Format { get; init; }
    /// <summary>The activations' (datapath) number format. Databases from before it was recorded ran activations in
    /// Format, and open with that.</summary>
    public string Datapath { get; init; } = "fp32";
    public required string Target { get; init; }
    public required string FaultModel { get; init; }
    /// <summary>The sites and bits the campaign's fault space covers (a fault list: all).</summary>
    public required SiteFilter Sites { get; init; }
    /// <summary>The plan's canonical text (PlanSpec.ToString), or "faults:FILE" for a fault list. Read it typed
    /// through <see cref="Plan"/>.</summary>
    public required string Planner { get; init; }
    public required ulong Seed { get; init; }
    public required string KernelSet { get; init; }
    /// <summary>"k/N"; "1/1" for an unsharded run; "merged:1,2,3/3" after `neutron merge`.</summary>
    public string Shard { get; init; } = "1/1";
    /// <summary>Faults in the whole plan (all shards).</summary>
    public required long PlanSize { get; init; }
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>The protection file the faults ran under (`neutron protect --out`), its JSON text; "" for none.
    /// Part of the campaign: a different protection is a different campaign, and resume applies the same one.</summary>
    public string Protection { get; init; } = "";
    /// <summary>The accelerated runner's golden-cache budget in bytes the campaign was started with.</summary>
    public long MemoryBudget { get; init; } = DefaultMemoryBudget;
    public const long DefaultMemoryBudget = 1L << 30;

    /// <summary>The plan, typed; null for a fault list (its faults are the stored list).</summary>
    public PlanSpec? Plan => Target == "list" ? null : PlanSpec.Parse(Planner);

    /// <summary>True for a plan whose rounds are drawn as it runs (AdaptiveSampler).</summary>
    public bool IsAdaptive => Plan is AdaptivePlan;

    /// <summary>The settings that must agree for two databases to be one campaign (all but shard and creation time).</summary>
    public bool SameCampaignAs(CampaignSettings other) =>
        this with { Shard = "", Created = default, MemoryBudget = 0 } == other with { Shard = "", Created = default, MemoryBudget = 0 };

    /// <summary>A protection for messages: its SHA-256 prefix, or "none".</summary>
    public static string ProtectionName(string protection) => protection.Length == 0 ? "none"
        : "sha256 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(protection)))[..12] + "…";

    /// <summary>Names the first setting that differs, for error messages.</summary>
    public string? FirstDifference(CampaignSettings other)
    {
        (string, object, object)[] pairs =
        [
            ("model SHA-256", ModelSha256, other.ModelSha256), ("data", DataSpec, other.DataSpec), ("images", Images, other.Images),
            ("format", Format, other.Format), ("datapath", Datapath, other.Datapath), ("target", Target, other.Target), ("fault model", FaultModel, other.FaultModel),
            ("sites", Sites.ToString(), other.Sites.ToString()), ("plan", Planner, other.Planner), ("seed", Seed, other.Seed),
            ("kernel set", KernelSet, other.KernelSet), ("plan size", PlanSize, other.PlanSize), ("tool version", ToolVersion, other.ToolVersion),
            ("model path", ModelPath, other.ModelPath), ("protection", ProtectionName(Protection), ProtectionName(other.Protection)),
        ];
        foreach (var (name, a, b) in pairs)
            if (!a.Equals(b)) return $"{name}: {a} vs {b}";
        return null;
    }
}
