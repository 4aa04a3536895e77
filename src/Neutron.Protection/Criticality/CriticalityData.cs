// The training set for criticality prediction: one row of BitFeatures per injected single-bit flip of a stored
// weight in a campaign, with its measured accuracy drop; a row is critical at tolerance τ when the drop exceeds τ
// percentage points (DESIGN §4). Faults of other targets or models, or outside the feature space, are left out and
// counted. Pure over CampaignData or (fault, drop) pairs: the store fills those (Neutron.Results).
using Neutron.Analysis.Campaign;
using Neutron.Protection.Forest;
using Neutron.Faults;
using Neutron.Faults.Models;

namespace Neutron.Protection.Criticality;

public sealed class CriticalityData
{
    private CriticalityData(FeatureMatrix features, double[] drops, long[] spaceIndices, int skipped)
    {
        Features = features;
        Drops = drops;
        SpaceIndices = spaceIndices;
        Skipped = skipped;
    }

    public FeatureMatrix Features { get; }
    /// <summary>Accuracy drop of each row, in percentage points.</summary>
    public IReadOnlyList<double> Drops { get; }
    /// <summary>Each row's flat index in the feature space (for joining with predictions).</summary>
    public IReadOnlyList<long> SpaceIndices { get; }
    /// <summary>Stored outcomes left out: not a weight flip, or not in the feature space.</summary>
    public int Skipped { get; }
    public int Rows => Drops.Count;

    public bool[] Labels(double tolerance) => Drops.Select(d => d > tolerance).ToArray();

    public static CriticalityData FromCampaign(CampaignData campaign, BitFeatures features) =>
        FromOutcomes(campaign.Faults.Select(f => (f.Target == "weight" && f.Model == "flip" ? new Fault(FaultTarget.Weight, f.Tensor, f.Element, f.Bit) : null, campaign.Drop(f))), features);

    /// <summary>Rows from stored outcomes (fault, drop in pp) as the store reads them; a null fault is left out.</summary>
    public static CriticalityData FromOutcomes(IEnumerable<(Fault? Fault, double Drop)> outcomes, BitFeatures features)
    {
        var values = new List<float>();
        var drops = new List<double>();
        var indices = new List<long>();
        var row = new float[features.Count];
        int skipped = 0;
        foreach (var (f, drop) in outcomes)
        {
            long index = f is { Target: FaultTarget.Weight } && f.Model == FaultModel.Flip ? features.Space.IndexOf(f.Tensor, f.Index, f.Bit) : -1;
            if (index < 0) { skipped++; continue; }
            features.Fill(index, row);
            values.AddRange(row);
            drops.Add(drop);
            indices.Add(index);
        }
        return new CriticalityData(new FeatureMatrix(drops.Count, features.Count, [.. values], features.Names), [.. drops], [.. indices], skipped);
    }
}
