// What a new campaign is, typed: the model, the data, where faults go (target, number formats, fault model, site
// filter), how they are chosen (a plan or a fault list, a seed, a shard) and what they run under (a protection).
// RunOptions say how it runs (threads, batch, memory); they change speed, never outcomes.
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Protection.Protection;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;

namespace Neutron.Campaigns;

/// <summary>A new campaign's specification. Start records it with the campaign; Resume reads it back.</summary>
public sealed record CampaignSpec
{
    /// <summary>The ONNX model. Its SHA-256 is recorded: resume refuses another file.</summary>
    public required string ModelPath { get; init; }
    /// <summary>The evaluation data, e.g. "idx:/usr/share/datasets/fashion-mnist/t10k" or "npy:X.npy,Y.npy"
    /// (paths are recorded absolute).</summary>
    public required string DataSpec { get; init; }
    /// <summary>Use the first N images; null for all.</summary>
    public int? Images { get; init; }
    public FaultTarget Target { get; init; } = FaultTarget.Weight;
    /// <summary>The weights' stored (memory) format.</summary>
    public NumberFormat Format { get; init; } = NumberFormat.Fp32;
    /// <summary>The activations' (datapath) format.</summary>
    public NumberFormat Datapath { get; init; } = NumberFormat.Fp32;
    public FaultModelSpec FaultModel { get; init; } = FaultModelSpec.Flip;
    /// <summary>The sites and bits of the fault space; its bit range is clipped to each site's word.</summary>
    public SiteFilter Sites { get; init; } = SiteFilter.All;
    /// <summary>How faults are drawn from the space. Null when <see cref="FaultList"/> gives them.</summary>
    public PlanSpec? Plan { get; init; } = new StatisticalPlan(0.05, 0.95);
    /// <summary>A CSV fault list (column `fault`, optional `id`) run instead of a plan.</summary>
    public string? FaultList { get; init; }
    public ulong Seed { get; init; } = 1;
    public Shard Shard { get; init; } = Shard.Whole;
    /// <summary>One name per class in class-index order; null: the data's own names, else the indices.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>The text of a protection file (`neutron protect --out`) the faults run under; null for none.</summary>
    public string? Protection { get; init; }
}

/// <summary>How a campaign runs; none of it changes an outcome.</summary>
public sealed record RunOptions
{
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Faults per database transaction: a kill loses at most one batch.</summary>
    public int Batch { get; init; } = 64;
    /// <summary>Re-run the whole network per fault (the slow oracle) instead of the accelerated runner.</summary>
    public bool Plain { get; init; }
    /// <summary>The accelerated runner's golden-cache budget in bytes.</summary>
    public long MemoryBudget { get; init; } = 1L << 30;
    /// <summary>A PostgreSQL store: faults per chunk that a worker leases, when Start writes the plan.</summary>
    public int ChunkSize { get; init; } = 256;
    /// <summary>A PostgreSQL store: how long a chunk stays held without a heartbeat (a dead worker's chunk is taken
    /// again after it).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/> (1-based) of a fixed plan.</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>Parses "k/N" with 1 ≤ k ≤ N.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && k >= 1 && k <= n)
            return new Shard(k, n);
        throw new CampaignException($"--shard '{text}' is not k/N with 1 ≤ k ≤ N", "e.g. --shard 2/4 runs the second of four shards");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
