// What every campaign store promises (DESIGN §6), whatever holds it: campaigns recorded with their settings and whole
// fault list, golden predictions, outcomes written in batches that are each one transaction and idempotent by
// (campaign, fault index), so a killed run resumes with no fault lost or counted twice. SqliteCampaignStore keeps a
// campaign in a file; PostgresCampaignStore in a server that many workers share. Open picks one from the --db text.
namespace Neutron.Results.Store;

public abstract partial class CampaignStore : IDisposable
{
    /// <summary>The file, or the server URL without any password: what messages name.</summary>
    public string Path { get; }

    protected CampaignStore(string path) => Path = path;

    /// <summary>A `postgresql://` (or `postgres://`) URL names a server; anything else is an SQLite file.</summary>
    public static bool IsServerUrl(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens the store that <paramref name="location"/> names; creates its tables when <paramref name="create"/> is set.</summary>
    public static CampaignStore Open(string location, bool create) =>
        IsServerUrl(location) ? PostgresCampaignStore.Open(location, create) : SqliteCampaignStore.Open(location, create);

    // ---- campaigns

    public abstract IReadOnlyList<(long Id, CampaignSettings Settings)> Campaigns();

    /// <summary>Records a campaign and its whole fault list (this shard's part) in one transaction.</summary>
    public abstract long CreateCampaign(CampaignSettings settings, IReadOnlyList<(long Index, string Fault)> faults, CampaignDescription? description = null);

    /// <summary>The campaign of these settings (and shard) already stored, or a new one recorded with its fault list,
    /// decided in one write transaction: processes started together on one new store make one campaign. A store
    /// holding a different campaign is refused.</summary>
    public abstract (long Id, bool Created) FindOrCreateCampaign(CampaignSettings settings, Func<IReadOnlyList<(long Index, string Fault)>> faults, CampaignDescription? description = null,
        IReadOnlyDictionary<long, (double P, double Q)>? weights = null);

    /// <summary>Each stored fault's p (target) and q (proposal), for faults of an importance plan; empty otherwise.</summary>
    public abstract IReadOnlyDictionary<long, (double P, double Q)> FaultWeights(long campaign);

    /// <summary>Adds faults to a campaign's list in one transaction (an adaptive plan writes each round before it
    /// runs); a fault index already stored is left as it is.</summary>
    public abstract void AddFaults(long campaign, IReadOnlyList<(long Index, string Fault)> faults);

    public CampaignSettings Settings(long campaign) =>
        Campaigns().FirstOrDefault(c => c.Id == campaign).Settings ?? throw new StoreException($"'{Path}' has no campaign {campaign}", "list campaigns with `neutron summary --db FILE`");

    /// <summary>The one campaign of the store, or the one named; a clear error when that is ambiguous.</summary>
    public long SingleCampaign(long? id = null)
    {
        var all = Campaigns();
        if (id is { } wanted)
        {
            if (!all.Any(c => c.Id == wanted)) throw new StoreException($"'{Path}' has no campaign {wanted}", $"campaigns here: {string.Join(", ", all.Select(c => c.Id))}");
            CheckCampaign(wanted);
            return wanted;
        }
        long found = all.Count switch
        {
            1 => all[0].Id,
            0 => throw new StoreException($"'{Path}' holds no campaign", "run `neutron campaign ... --db FILE` first"),
            _ => throw new StoreException($"'{Path}' holds {all.Count} campaigns", $"pick one with --campaign ID ({string.Join(", ", all.Select(c => c.Id))})"),
        };
        CheckCampaign(found);
        return found;
    }

    /// <summary>A stored fault's text parsed; a damaged one is a storage error, not a model error.</summary>
    public Neutron.Faults.Fault ParseFault(long index, string text)
    {
        try { return Neutron.Faults.Fault.Parse(text); }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new StoreException($"fault {index} in '{Path}' is damaged ('{(text.Length > 60 ? text[..60] + "…" : text)}')", Damaged, e);
        }
    }

    // ---- faults, golden, outcomes

    public abstract IReadOnlyList<(long Index, string Fault)> Faults(long campaign);

    /// <summary>Records the golden predictions; idempotent, and refuses ones that contradict those already stored.</summary>
    public void WriteGolden(long campaign, IReadOnlyList<GoldenPrediction> golden)
    {
        var existing = Golden(campaign).ToDictionary(g => g.Image);
        foreach (var g in golden)
            if (existing.TryGetValue(g.Image, out var old) && old != g)
                throw new StoreException($"golden prediction of image {g.Image} is {g.Top1} (label {g.Label}) now but {old.Top1} (label {old.Label}) in '{Path}'",
                    "the model, data or format changed since the campaign started; start a new database");
        InsertGolden(campaign, golden);
    }

    /// <summary>Stores golden predictions in one transaction, leaving those already stored as they are.</summary>
    protected abstract void InsertGolden(long campaign, IReadOnlyList<GoldenPrediction> golden);

    public abstract IReadOnlyList<GoldenPrediction> Golden(long campaign);

    /// <summary>Writes one batch of outcomes and their faulty predictions in one transaction. A fault already stored
    /// is left as it is, so replaying a batch after a crash counts nothing twice. Returns how many outcomes were new.</summary>
    public abstract int WriteBatch(long campaign, IReadOnlyList<StoredOutcome> batch);

    public abstract HashSet<long> CompletedFaults(long campaign);

    public abstract long OutcomeCount(long campaign);

    public abstract long FaultCount(long campaign);

    /// <summary>Stored outcomes with at least one image's top-1 changed, counted by the store (not read row by row).</summary>
    public long SdcFaultCount(long campaign) => Count("SELECT count(*) FROM outcomes WHERE campaign = @c AND sdc > 0;", campaign, 0);

    /// <summary>Outcomes with their fault text, by fault index.</summary>
    public abstract IEnumerable<OutcomeRow> Outcomes(long campaign);

    /// <summary>How many stored outcomes a campaign's protection corrected (or outvoted) and detected; zeros for a
    /// campaign run without protection.</summary>
    public abstract (long Corrected, long Detected) ProtectionCounts(long campaign);

    /// <summary>The protection verdict of every stored outcome that did not simply run (by fault index).</summary>
    public abstract Dictionary<long, OutcomeProtection> ProtectedOutcomes(long campaign);

    /// <summary>Sparse faulty predictions (only images whose top-1 differs from golden), by fault then image.</summary>
    public abstract IEnumerable<(long FaultIndex, int Image, int Top1)> Predictions(long campaign);

    /// <summary>What the campaign recorded when it started; empty parts for a campaign made before they were recorded.</summary>
    public abstract CampaignDescription Description(long campaign);

    /// <summary>Records the description of a campaign made before descriptions were stored (e.g. from its model).</summary>
    public abstract void WriteDescription(long campaign, CampaignDescription description);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    // ---- predicted criticality (`neutron predict`; SqliteCampaignStore.Criticality.cs)

    /// <summary>Removes the set (campaign, tolerance, forest), before a new one is written.</summary>
    public abstract void ClearCriticality(long campaign, double tolerance, string forest);

    /// <summary>Writes one block of a prediction set in one transaction.</summary>
    public abstract void WriteCriticality(long campaign, double tolerance, string forest, IReadOnlyList<Neutron.Protection.Criticality.ParameterPrediction> block);

    /// <summary>Records the probability cut a prediction set was made at (cleared with the set).</summary>
    public abstract void WriteThreshold(long campaign, double tolerance, string forest, Neutron.Protection.Criticality.Threshold threshold);

    /// <summary>Writes the Table II rows of a prediction, replacing earlier ones of the same key.</summary>
    public abstract void WriteScores(long campaign, IEnumerable<StoredScore> scores);

    public abstract IReadOnlyList<StoredScore> Scores(long campaign);

    public abstract IReadOnlyList<CriticalitySet> CriticalitySets(long campaign);

    /// <summary>A prediction set's words, streamed in (tensor, element) order.</summary>
    public abstract IEnumerable<Neutron.Protection.Criticality.ParameterPrediction> Criticality(long campaign, double tolerance, string forest);
}
