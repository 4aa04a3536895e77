// Cuts a FaultSpace into strata (per layer, per bit, per layer and bit) and maps a stratum's local position to
// the space's flat index. FaultSpace orders sites, then elements, then bits, so a layer stratum is one contiguous
// range and a (layer, bit) stratum is a strided one. A "layer" is one fault site: a weight tensor (a Conv's weight
// and its bias are two strata) or one node output. Used by FaultPlanner; the summary groups the same way.
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

/// <summary>One stratum: parts (site, bit or -1 for all of the site's bits), with their sizes.</summary>
public sealed class Stratum
{
    readonly FaultSpace _space;
    readonly (int Site, int Bit, long Count)[] _parts;

    internal Stratum(FaultSpace space, string name, IEnumerable<(int Site, int Bit)> parts)
    {
        _space = space;
        Name = name;
        _parts = parts.Select(p => (p.Site, p.Bit, p.Bit < 0 ? space.Range(p.Site).Count : space.Sites[p.Site].Elements))
            .Where(p => p.Item3 > 0).ToArray();
        Size = _parts.Sum(p => p.Count);
    }

    public string Name { get; }
    public long Size { get; }

    /// <summary>The flat index of the stratum's <paramref name="local"/>-th position (in flat order).</summary>
    public long ToFlat(long local)
    {
        if ((ulong)local >= (ulong)Size) throw new ArgumentOutOfRangeException(nameof(local), local, $"stratum '{Name}' has {Size} positions");
        foreach (var (site, bit, count) in _parts)
        {
            if (local >= count) { local -= count; continue; }
            var (start, _) = _space.Range(site);
            return bit < 0 ? start + local : start + local * _space.BitsInRange(site) + (bit - _space.LowBit(site));
        }
        throw new InvalidOperationException("unreachable: local index within Size");
    }
}

public static class Strata
{
    /// <summary>The name of the stratum a fault in <paramref name="tensor"/> at <paramref name="bit"/> belongs to: the one
    /// rule the planner and every table that regroups outcomes by stratum share.</summary>
    public static string NameOf(Stratification per, string tensor, int bit) => per switch
    {
        Stratification.None => "all",
        Stratification.Layer => tensor,
        Stratification.Bit => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bit {bit}"),
        Stratification.LayerBit => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{tensor} bit {bit}"),
        _ => throw new ArgumentOutOfRangeException(nameof(per), per, "unknown stratification"),
    };

    /// <summary>How a plan stratifies (None for uniform plans and fault lists, given as null).</summary>
    public static Stratification Of(PlanSpec? plan) => plan switch
    {
        StratifiedPlan p => p.Per,
        StatisticalPlan p => p.Per,
        AdaptivePlan p => p.Per,
        _ => Stratification.None,
    };

    public static IReadOnlyList<Stratum> Of(FaultSpace space, Stratification per)
    {
        var sites = Enumerable.Range(0, space.Sites.Count).ToArray();
        IEnumerable<int> Bits(int s) => Enumerable.Range(space.LowBit(s), space.BitsInRange(s));
        string Label(int s) => space.Sites[s].Tensor;
        var strata = per switch
        {
            Stratification.None => [new Stratum(space, NameOf(per, "", 0), sites.Select(s => (s, -1)))],
            Stratification.Layer => sites.Select(s => new Stratum(space, NameOf(per, Label(s), 0), [(s, -1)])).ToList(),
            Stratification.Bit => sites.SelectMany(Bits).Distinct().Order()
                .Select(b => new Stratum(space, NameOf(per, "", b), sites.Where(s => Bits(s).Contains(b)).Select(s => (s, b)))).ToList(),
            Stratification.LayerBit => sites.SelectMany(s => Bits(s).Select(b => new Stratum(space, NameOf(per, Label(s), b), [(s, b)]))).ToList(),
            _ => throw new ArgumentOutOfRangeException(nameof(per), per, "unknown stratification"),
        };
        return strata.Where(s => s.Size > 0).ToList();
    }
}
