// Which sites a campaign covers: tensor-name glob, op types, layer glob, a glob on either name (what the CLI's
// --layer means) and a bit range. Globs use * and ?, matched against the whole name, case-sensitive (ONNX names are).
using System.Text.RegularExpressions;

namespace Neutron.Faults.Sites;

public sealed record SiteFilter
{
    public static SiteFilter All { get; } = new();

    /// <summary>Glob on the tensor name (weight initializer or activation value), e.g. "conv1.*".</summary>
    public string? Name { get; init; }
    /// <summary>Op types of the consuming (weights) or producing (activations) node, e.g. Conv, Gemm.</summary>
    public IReadOnlyList<string>? OpTypes { get; init; }
    /// <summary>Glob on the layer (node) name.</summary>
    public string? Layer { get; init; }
    /// <summary>Glob matched against the tensor name or the layer name: a site matches when either does
    /// (`--layer conv1*` finds conv1.weight and the activations of node conv1).</summary>
    public string? NameOrLayer { get; init; }
    /// <summary>Lowest and highest bit, inclusive; clipped to each site's width.</summary>
    public int MinBit { get; init; }
    public int MaxBit { get; init; } = 31;

    public bool Matches(FaultSite site) =>
        (Name is null || Glob(Name).IsMatch(site.Tensor))
        && (OpTypes is null || OpTypes.Contains(site.OpType, StringComparer.OrdinalIgnoreCase))
        && (Layer is null || Glob(Layer).IsMatch(site.Layer))
        && (NameOrLayer is null || Glob(NameOrLayer).IsMatch(site.Tensor) || Glob(NameOrLayer).IsMatch(site.Layer));

    /// <summary>Equal filters select the same sites and bits (OpTypes compared by content, ignoring case).</summary>
    public bool Equals(SiteFilter? other) => other is not null && Name == other.Name && Layer == other.Layer && NameOrLayer == other.NameOrLayer
        && MinBit == other.MinBit && MaxBit == other.MaxBit
        && (OpTypes is null ? other.OpTypes is null : other.OpTypes is not null && OpTypes.SequenceEqual(other.OpTypes, StringComparer.OrdinalIgnoreCase));

    public override int GetHashCode() => HashCode.Combine(Name, Layer, NameOrLayer, MinBit, MaxBit, OpTypes?.Count ?? -1);

    /// <summary>For messages and tables, e.g. "layer conv*, op Conv,Gemm, bits 20-31".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Name is not null) parts.Add("tensor " + Name);
        if (NameOrLayer is not null) parts.Add("layer " + NameOrLayer);
        if (Layer is not null) parts.Add("node " + Layer);
        if (OpTypes is not null) parts.Add("op " + string.Join(",", OpTypes));
        parts.Add($"bits {MinBit}-{MaxBit}");
        return string.Join(", ", parts);
    }

    public static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
