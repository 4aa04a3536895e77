// An ordered set of sites seen as one flat space of (site, element, bit) positions, so uniform sampling over the
// whole space is one uniform draw over [0, Size) (not "pick a layer, then an element"). Order: sites as given,
// then element, then bit (lowest first). Bits per site: the filter's range clipped to the site's width, and for
// adjacent multi-bit models only the start bits whose k bits fit the word.
using Neutron.Faults.Models;

namespace Neutron.Faults.Sites;

public readonly record struct SpacePoint(FaultSite Site, long Element, int Bit);

public sealed class FaultSpace
{
    private readonly FaultSite[] sites;
    private readonly long[] starts; // starts[i] = first index of site i; starts[^1] = Size
    private readonly int[] lowBits, bitCounts;

    public FaultSpace(IEnumerable<FaultSite> sites, FaultModelSpec? model = null, int minBit = 0, int maxBit = 31)
    {
        Model = model ?? FaultModelSpec.Flip;
        this.sites = sites.ToArray();
        starts = new long[this.sites.Length + 1];
        lowBits = new int[this.sites.Length];
        bitCounts = new int[this.sites.Length];
        for (int i = 0; i < this.sites.Length; i++)
        {
            var s = this.sites[i];
            int lo = Math.Max(0, minBit), hi = Math.Min(maxBit, Model.StartBits(s.Bits) - 1);
            lowBits[i] = lo;
            bitCounts[i] = Math.Max(0, hi - lo + 1);
            starts[i + 1] = checked(starts[i] + s.Elements * bitCounts[i]);
        }
    }

    public static FaultSpace Create(SiteCatalog catalog, FaultTarget target, SiteFilter? filter = null, FaultModelSpec? model = null)
    {
        filter ??= SiteFilter.All;
        return new FaultSpace(catalog.Select(target, filter), model, filter.MinBit, filter.MaxBit);
    }

    public FaultModelSpec Model { get; }
    public IReadOnlyList<FaultSite> Sites => sites;
    /// <summary>Number of fault positions: Σ elements × bits in range.</summary>
    public long Size => starts[^1];

    /// <summary>First flat index of site i and its number of positions (for per-layer strata).</summary>
    public (long Start, long Count) Range(int site) => (starts[site], starts[site + 1] - starts[site]);
    public int BitsInRange(int site) => bitCounts[site];
    public int LowBit(int site) => lowBits[site];

    public SpacePoint Locate(long index)
    {
        int i = SiteOf(index);
        long offset = index - starts[i];
        return new SpacePoint(sites[i], offset / bitCounts[i], lowBits[i] + (int)(offset % bitCounts[i]));
    }

    /// <summary>Index of the site holding a flat index.</summary>
    public int SiteOf(long index)
    {
        if ((ulong)index >= (ulong)Size) throw new ArgumentOutOfRangeException(nameof(index), index, $"the fault space has {Size} positions");
        int lo = 0, hi = sites.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (starts[mid] <= index) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The fault at a flat index; random multi-bit models draw their extra bits from (seed, index).</summary>
    public Fault FaultAt(long index, ulong seed = 0)
    {
        var p = Locate(index);
        return new Fault(p.Site.Target, p.Site.Tensor, p.Element, p.Bit, Model.Draw(p.Bit, p.Site.Bits, seed, index));
    }

    /// <summary>The flat index of (tensor, element, bit), or -1 when the position is not in this space.</summary>
    public long IndexOf(string tensor, long element, int bit)
    {
        for (int i = 0; i < sites.Length; i++)
        {
            if (sites[i].Tensor != tensor) continue;
            if (element < 0 || element >= sites[i].Elements || bit < lowBits[i] || bit >= lowBits[i] + bitCounts[i]) return -1;
            return starts[i] + element * bitCounts[i] + (bit - lowBits[i]);
        }
        return -1;
    }
}
