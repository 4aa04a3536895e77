// What the report's prediction and protection sections draw from, read from the campaign database (the Table II rows
// and the predicted criticality that `neutron predict` stored) and from the databases of campaigns run under a
// protection (`campaign --protect`): each of those gives one measured point (memory overhead from its protection
// file, residual critical rate from its outcomes). The map is aggregated while the stored words stream by.
using Neutron.Analysis.Campaign;
using Neutron.Protection.Protection;
using Neutron.Results.Store;

namespace Neutron.Results.Report;

/// <summary>One protection measured by injection: its memory overhead and the residual critical-fault rate (share).</summary>
public sealed record ProtectionPoint(string Scheme, string Source, double MemoryOverheadPct, long Faults, long CriticalFaults, double CriticalRate, double Lower, double Upper);

/// <summary>Per weight tensor, how many words were predicted and, per bit, how many have that bit predicted critical.</summary>
public sealed record CriticalityMap(CriticalitySet Set, IReadOnlyList<string> Tensors, long[] Words, long[,] Critical, int LowBit, int HighBit);

public sealed record CriticalityInput(IReadOnlyList<StoredScore> Scores, IReadOnlyList<CriticalitySet> Sets, int WordBits, CriticalityMap? Map, IReadOnlyList<ProtectionPoint> Points)
{
    /// <summary>Reads the stored predictions of the campaign and measures each protected campaign's point at τ.</summary>
    public static CriticalityInput Load(CampaignStore store, long campaign, CampaignData data, double tolerance, IEnumerable<string> protectedDbs,
        Func<CampaignSettings, CampaignDescription?>? rebuild = null)
    {
        var sets = store.CriticalitySets(campaign);
        int width = Neutron.Faults.Formats.NumberFormat.Parse(store.Settings(campaign).Format).Width;
        // The map shows the set at the report's τ, BRF first (the one protect uses by default), else the first stored.
        var chosen = sets.OrderBy(s => s.Tolerance == tolerance ? 0 : 1).ThenBy(s => s.Forest == "brf" ? 0 : 1).FirstOrDefault();
        var map = chosen is null ? null : Aggregate(store, campaign, chosen);
        var points = new List<ProtectionPoint> { Point(data, store.Settings(campaign), store.Path, tolerance) };
        foreach (string path in protectedDbs)
        {
            using var other = CampaignStore.Open(path, create: false);
            long id = other.SingleCampaign();
            points.Add(Point(CampaignDataLoader.Load(other, id, rebuild), other.Settings(id), path, tolerance));
        }
        return new CriticalityInput(store.Scores(campaign), sets, width, map, points);
    }

    static ProtectionPoint Point(CampaignData data, CampaignSettings settings, string path, double tolerance)
    {
        var plan = settings.Protection.Length > 0 ? ProtectionPlan.Parse(settings.Protection) : null;
        var r = CampaignRates.Overall(data, tolerance);
        return new ProtectionPoint(plan?.Scheme ?? "none", Path.GetFileName(path), plan?.MemoryOverheadPct ?? 0, r.Faults, r.CriticalFaults, r.CriticalRate, r.CriticalLower, r.CriticalUpper);
    }

    static CriticalityMap Aggregate(CampaignStore store, long campaign, CriticalitySet set)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var words = new List<long>();
        var critical = new List<long[]>();
        int low = 63, high = 0;
        foreach (var w in store.Criticality(campaign, set.Tolerance, set.Forest))
        {
            if (!index.TryGetValue(w.Tensor, out int t))
            {
                index[w.Tensor] = t = words.Count;
                words.Add(0);
                critical.Add(new long[64]);
            }
            words[t]++;
            low = Math.Min(low, w.LowBit);
            high = Math.Max(high, w.LowBit + w.Probabilities.Length - 1);
            for (long m = w.CriticalBits; m != 0; m &= m - 1) critical[t][System.Numerics.BitOperations.TrailingZeroCount(m)]++;
        }
        var grid = new long[words.Count, 64];
        for (int t = 0; t < words.Count; t++) for (int b = 0; b < 64; b++) grid[t, b] = critical[t][b];
        return new CriticalityMap(set, [.. index.Keys], [.. words], grid, Math.Min(low, high), high);
    }
}
