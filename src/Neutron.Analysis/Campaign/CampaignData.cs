// An in-memory view of one finished campaign: labels, golden top-1 per image, and per fault its site, its outcome
// counts and the images whose faulty top-1 differs from golden. Every analysis in Neutron.Analysis is a pure
// function over this type; the SQLite store fills it (Neutron.Results), tests build it by hand.
// It is not the store's schema and does no I/O.
using Neutron.Analysis.Planning;

namespace Neutron.Analysis.Campaign;

/// <summary>One image's faulty top-1 where it differs from the golden top-1.</summary>
public readonly record struct ChangedPrediction(int Image, int Top1);

/// <summary>One injected fault and what it did over the evaluation images.</summary>
/// <param name="Index">the fault's index in the campaign's fault list</param>
/// <param name="Target">"weight" or "act"</param>
/// <param name="Layer">the layer the fault belongs to (the tensor's consuming node, or the tensor name)</param>
/// <param name="Tensor">the faulted tensor</param>
/// <param name="Element">flat row-major index within the tensor</param>
/// <param name="Bit">bit position, 0 = least significant bit of the stored word</param>
/// <param name="Model">fault model: flip, stuck0, stuck1, …</param>
public sealed record FaultRecord(
    long Index, string Target, string Layer, string Tensor, long Element, int Bit, string Model,
    int Images, int FaultyCorrect, int Sdc, int NonFinite, ChangedPrediction[] Changed)
{
    /// <summary>The plan's stratum this fault was drawn from ("all" for an unstratified plan); see Planning/Strata.cs.</summary>
    public string Stratum { get; init; } = "all";

    /// <summary>p/q for a fault drawn by an importance plan (its probability under the target, uniform over the space,
    /// over its probability under the proposal); null for every other plan.</summary>
    public double? Weight { get; init; }
}

public sealed class CampaignData
{
    public CampaignData(int classCount, int[] labels, int[] goldenTop1, IReadOnlyList<FaultRecord> faults,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (labels.Length != goldenTop1.Length)
            throw new ArgumentException($"{labels.Length} labels but {goldenTop1.Length} golden predictions", nameof(goldenTop1));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"label {labels[i]} of image {i} is outside 0..{classCount - 1}", nameof(labels));
            if ((uint)goldenTop1[i] >= (uint)classCount)
                throw new ArgumentException($"golden top-1 {goldenTop1[i]} of image {i} is outside 0..{classCount - 1}", nameof(goldenTop1));
        }
        foreach (var f in faults)
            foreach (var c in f.Changed)
            {
                if ((uint)c.Image >= (uint)labels.Length)
                    throw new ArgumentException($"fault {f.Index}: changed image {c.Image} is outside 0..{labels.Length - 1}", nameof(faults));
                if ((uint)c.Top1 >= (uint)classCount)
                    throw new ArgumentException($"fault {f.Index}: faulty top-1 {c.Top1} is outside 0..{classCount - 1}", nameof(faults));
            }
        ClassCount = classCount;
        Labels = labels;
        GoldenTop1 = goldenTop1;
        Faults = faults;
        Settings = settings ?? new Dictionary<string, string>();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (labels[i] == goldenTop1[i]) correct++;
        GoldenCorrect = correct;
    }

    public int ClassCount { get; }
    public int[] Labels { get; }
    public int[] GoldenTop1 { get; }
    public IReadOnlyList<FaultRecord> Faults { get; }
    /// <summary>Campaign metadata as stored (tool version, model SHA-256, seed, planner, …), for display.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }
    /// <summary>Optional class names (index → name); empty when the campaign did not record them.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>How the plan cut the fault space into strata; None for a uniform plan or a fault list.</summary>
    public Stratification Stratification { get; init; } = Stratification.None;
    /// <summary>Each stratum's size in the fault space (its weight), as recorded when the campaign started; null
    /// when unknown (then rates over several strata are unweighted and say so).</summary>
    public IReadOnlyDictionary<string, long>? StratumSizes { get; init; }
    /// <summary>Each layer's size in the campaign's fault space (elements of its faulted tensors), for analyses that
    /// weight layers by how often a fault strikes them; null when the campaign did not record its sites.</summary>
    public IReadOnlyDictionary<string, double>? LayerSizes { get; init; }
    /// <summary>Bits of every stored weight of the model in the campaign's format (the memory a FIT figure applies
    /// to); null when the campaign did not record its sites.</summary>
    public long? StoredWeightBits { get; init; }
    /// <summary>True when the campaign's faults are single-bit flips drawn from every bit of every stored weight, so
    /// its critical rate is P(critical | one upset in weight memory).</summary>
    public bool CoversWeightMemory { get; init; }

    /// <summary>The same campaign with class names (e.g. a taxonomy's, when the store recorded none).</summary>
    public CampaignData WithClassNames(IReadOnlyList<string> names)
    {
        if (names.Count != ClassCount) throw new ArgumentException($"{names.Count} class names for {ClassCount} classes", nameof(names));
        return new CampaignData(ClassCount, Labels, GoldenTop1, Faults, Settings)
        {
            ClassNames = names, Stratification = Stratification, StratumSizes = StratumSizes, LayerSizes = LayerSizes,
            StoredWeightBits = StoredWeightBits, CoversWeightMemory = CoversWeightMemory,
        };
    }

    public int ImageCount => Labels.Length;
    public int GoldenCorrect { get; }
    public double GoldenAccuracy => ImageCount == 0 ? double.NaN : (double)GoldenCorrect / ImageCount;

    public string ClassName(int c) => c < ClassNames.Count ? ClassNames[c] : c.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Accuracy drop of one fault in percentage points (DESIGN §4: golden accuracy − faulty accuracy).</summary>
    public static double Drop(FaultRecord f, int goldenCorrect) =>
        f.Images == 0 ? 0 : 100.0 * (goldenCorrect - f.FaultyCorrect) / f.Images;

    public double Drop(FaultRecord f) => Drop(f, GoldenCorrect);

    /// <summary>Layers in order of first appearance in the fault list.</summary>
    public IReadOnlyList<string> Layers()
    {
        var seen = new List<string>();
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Faults) if (set.Add(f.Layer)) seen.Add(f.Layer);
        return seen;
    }
}
