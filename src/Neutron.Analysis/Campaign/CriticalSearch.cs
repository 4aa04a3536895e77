// How well a campaign finds critical faults (ISimDL's use of importance sampling): the share of its injected faults
// that are critical, against the share a uniform campaign would find, which is the campaign's estimate of the
// critical rate of the whole space (CampaignRates). Their ratio is the search's precision gain; uniform plans have
// a gain near 1 by construction. Also over the first K injected faults, the figure ISimDL reports (K = 100).
namespace Neutron.Analysis.Campaign;

/// <param name="Injected">faults injected (or the first K of them)</param>
/// <param name="Critical">critical faults among them</param>
/// <param name="UniformShare">the estimated critical rate of the space: what uniform sampling finds per fault</param>
public sealed record CriticalSearch(long Injected, long Critical, double UniformShare, double TolerancePp)
{
    public double Share => Injected == 0 ? double.NaN : (double)Critical / Injected;

    /// <summary>Share over the uniform share: how many times more critical faults per injection than uniform.</summary>
    public double Gain => UniformShare > 0 ? Share / UniformShare : double.NaN;

    /// <summary>The search over the campaign's first <paramref name="first"/> faults (by fault index), or all of them.</summary>
    public static CriticalSearch Of(CampaignData d, double tolerance, int? first = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        var faults = first is { } k ? d.Faults.OrderBy(f => f.Index).Take(k).ToList() : d.Faults;
        long critical = faults.Count(f => d.Drop(f) > tolerance);
        return new CriticalSearch(faults.Count, critical, CampaignRates.Overall(d, tolerance).CriticalRate, tolerance);
    }
}
