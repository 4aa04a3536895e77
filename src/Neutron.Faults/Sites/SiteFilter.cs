// Which sites a campaign covers: tensor-name glob, op types, layer glob and a bit range. Globs use * and ?,
// matched against the whole name, case-sensitive (ONNX names are).
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
    /// <summary>Lowest and highest bit, inclusive; clipped to each site's width.</summary>
    public int MinBit { get; init; }
    public int MaxBit { get; init; } = 31;

    public bool Matches(FaultSite site) =>
        (Name is null || Glob(Name).IsMatch(site.Tensor))
        && (OpTypes is null || OpTypes.Contains(site.OpType, StringComparer.OrdinalIgnoreCase))
        && (Layer is null || Glob(Layer).IsMatch(site.Layer));

    public static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
