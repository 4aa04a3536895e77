// What `neutron predict` does, as one library call a C# user can make too: from a campaign's weight flips and the
// weight space they came from, cross-validated scores per tolerance and forest (Table II), a forest trained on all
// of them, and its prediction of every bit of the space written as CSV `fault,probability,critical` (DESIGN §4
// fault text; critical = probability > 0.5) and, per stored word, handed to a sink (the campaign database), block by
// block in bounded memory.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Protection.Forest;
using Neutron.Faults;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Protection.Criticality;

public sealed record PredictOptions
{
    /// <summary>critical(τ) = drop > τ percentage points, one Table II block per τ.</summary>
    public IReadOnlyList<double> Tolerances { get; init; } = [0.5, 1, 2, 5, 10];
    public IReadOnlyList<ForestKind> Forests { get; init; } = [ForestKind.RandomForest, ForestKind.Balanced];
    public int Folds { get; init; } = 10;
    public int Trees { get; init; } = 100;
    public ulong Seed { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Only the paper's five features (sign, bit, layer, output and input channel).</summary>
    public bool PaperFeaturesOnly { get; init; }
}

/// <summary>The predicted probability that each bit of one stored word is critical, for bits LowBit upward, and the
/// bits predicted critical (probability > 0.5) as a mask of absolute bit positions.</summary>
public sealed record ParameterPrediction(string Tensor, long Element, int LowBit, float[] Probabilities, long CriticalBits);

public sealed class CriticalityStudy
{
    /// <param name="gradients">Each site's mean |∂L/∂w| (WeightGradients.Measure) for the gradient features, or
    /// null for the structural ones only.</param>
    public CriticalityStudy(CampaignData campaign, FaultSpace space, StoredWeights weights, PredictOptions options, float[]?[]? gradients = null)
        : this(space, weights, options, gradients, f => CriticalityData.FromCampaign(campaign, f)) { }

    /// <summary>From stored outcomes: (fault, accuracy drop in pp); faults that are not weight flips are left out.</summary>
    public CriticalityStudy(IEnumerable<(Fault? Fault, double Drop)> outcomes, FaultSpace space, StoredWeights weights, PredictOptions options,
        float[]?[]? gradients = null)
        : this(space, weights, options, gradients, f => CriticalityData.FromOutcomes(outcomes, f)) { }

    private CriticalityStudy(FaultSpace space, StoredWeights weights, PredictOptions options, float[]?[]? gradients, Func<BitFeatures, CriticalityData> rows)
    {
        Options = options;
        Features = new BitFeatures(space, weights, options.PaperFeaturesOnly ? null : gradients);
        Data = rows(Features);
        Columns = options.PaperFeaturesOnly ? BitFeatures.PaperColumns : null;
        Matrix = Columns is null ? Data.Features : Data.Features.SelectColumns(Columns);
    }

    public PredictOptions Options { get; }
    public BitFeatures Features { get; }
    public CriticalityData Data { get; }
    /// <summary>The feature columns used (null: all of Features.Names).</summary>
    public IReadOnlyList<int>? Columns { get; }
    public FeatureMatrix Matrix { get; }

    /// <summary>Table II: one score per (tolerance, forest); progress counts finished folds over all of them.</summary>
    public IReadOnlyList<PredictionScore> Evaluate(IProgress<(int Done, int Total)>? progress = null)
    {
        var scores = new List<PredictionScore>();
        int total = Options.Tolerances.Count * Options.Forests.Count * Options.Folds, done = 0;
        foreach (double tau in Options.Tolerances)
            foreach (var kind in Options.Forests)
            {
                int before = done;
                var score = CriticalityPredictor.Evaluate(Matrix, Data.Drops, tau, kind, Options.Folds, ForestOptions(kind),
                    new Reporter(k => progress?.Report((before + k, total))));
                done = before + Options.Folds;
                progress?.Report((done, total));
                scores.Add(score);
            }
        return scores;
    }

    public ForestOptions ForestOptions(ForestKind kind) => CriticalityPredictor.Options(kind, Options.Trees, Options.Seed, Options.Threads);

    /// <summary>A forest trained on every injected bit at tolerance τ.</summary>
    public ForestModel Train(double tolerance, ForestKind kind) => new ForestTrainer(ForestOptions(kind)).Train(Matrix, Data.Labels(tolerance));

    /// <summary>Writes `fault,probability,critical` for every bit of the space; returns (bits, predicted critical).
    /// Progress reports bits written.</summary>
    public (long Bits, long Critical) WriteCsv(ForestModel model, TextWriter writer, IProgress<long>? progress = null) =>
        Predict(model, writer, null, progress: progress);

    /// <summary>Predicts every bit of the space once, writing each bit to the CSV (when given) and handing the
    /// parameters, all bits of one stored word per row, to <paramref name="parameters"/> a block at a time (a word is
    /// handed whole, in the block where its last bit falls). A bit is critical by <paramref name="threshold"/> (default
    /// p > 0.5); <paramref name="check"/>, when given, sees every bit. Returns (bits, predicted critical).</summary>
    public (long Bits, long Critical) Predict(ForestModel model, TextWriter? csv, Action<IReadOnlyList<ParameterPrediction>>? parameters,
        Threshold? threshold = null, IProgress<long>? progress = null, TruthCheck? check = null)
    {
        threshold ??= Threshold.Default;
        var space = Features.Space;
        long critical = 0;
        csv?.WriteLine("fault,probability,critical");
        var block = new List<ParameterPrediction>();
        var probabilities = new List<float>();
        string? tensor = null;
        long element = -1, mask = 0;
        int low = 0;
        void Close()
        {
            if (tensor is not null) block.Add(new ParameterPrediction(tensor, element, low, [.. probabilities], mask));
            tensor = null;
            probabilities.Clear();
            mask = 0;
        }
        foreach (var (start, p) in CriticalityPredictor.PredictSpace(model, Features, Columns))
        {
            for (int i = 0; i < p.Length; i++)
            {
                var fault = space.FaultAt(start + i);
                bool isCritical = threshold.IsCritical(p[i]);
                if (isCritical) critical++;
                check?.Add(start + i, p[i], isCritical);
                if (csv is not null)
                {
                    csv.Write(fault.ToString());
                    csv.Write(',');
                    csv.Write(p[i].ToString("0.####", CultureInfo.InvariantCulture));
                    csv.WriteLine(isCritical ? ",1" : ",0");
                }
                if (parameters is null) continue;
                if (fault.Tensor != tensor || fault.Index != element)
                {
                    Close();
                    (tensor, element, low) = (fault.Tensor, fault.Index, fault.Bit);
                }
                probabilities.Add((float)p[i]);
                if (isCritical) mask |= 1L << fault.Bit;
            }
            if (parameters is not null && block.Count > 0)
            {
                parameters(block);
                block = [];
            }
            progress?.Report(start + p.Length);
        }
        Close();
        if (parameters is not null && block.Count > 0) parameters(block);
        return (space.Size, critical);
    }

    private sealed class Reporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
