// Predicted criticality against measured truth: the drops of another campaign of the same model and format
// (ideally exhaustive over the weight space, or over some layers of it), joined bit by bit with the prediction of
// every bit of the space. Scores over every bit the truth holds and over those the training campaign never injected:
// ROC AUC of the probabilities, recall of the truly critical bits at the cut, missed bits, false alarms. The
// prediction streams in; the check keeps five bytes per bit of the space and a float per bit of the truth.
using Neutron.Faults;
using Neutron.Faults.Models;
using Neutron.Faults.Sites;
using Neutron.Protection.Forest;

namespace Neutron.Protection.Criticality;

/// <summary>One row of the check: <paramref name="Bits"/> names the set ("every bit", "never injected").</summary>
public sealed record TruthScore(string Bits, long Count, long Critical, double RocAuc, double Recall, long Missed, double FalseAlarmPct);

public sealed class TruthCheck
{
    const byte Known = 1, IsCritical = 2, Trained = 4, Predicted = 8, Called = 16;
    readonly byte[] flags;
    readonly float[] probabilities;
    readonly int[] slot; // space index → position in probabilities, −1 outside the truth

    /// <param name="truth">The truth campaign's outcomes (fault, drop in pp); faults that are not weight flips of the
    /// space are counted in <see cref="Outside"/>.</param>
    /// <param name="trained">Space indices of the bits the forest was trained on.</param>
    public TruthCheck(FaultSpace space, IEnumerable<(Fault? Fault, double Drop)> truth, IEnumerable<long> trained, double tolerance)
    {
        if (space.Size > int.MaxValue) throw new ArgumentException($"a space of {space.Size:N0} bits is too large to check", nameof(space));
        Tolerance = tolerance;
        flags = new byte[space.Size];
        slot = new int[space.Size];
        Array.Fill(slot, -1);
        int known = 0;
        foreach (var (f, drop) in truth)
        {
            long index = f is { Target: FaultTarget.Weight } && f.Model == FaultModel.Flip ? space.IndexOf(f.Tensor, f.Index, f.Bit) : -1;
            if (index < 0 || (flags[index] & Known) != 0) { Outside++; continue; }
            flags[index] = (byte)(Known | (drop > tolerance ? IsCritical : 0));
            slot[index] = known++;
        }
        foreach (long i in trained) flags[i] |= Trained;
        probabilities = new float[known];
    }

    public double Tolerance { get; }
    /// <summary>Truth outcomes left out: not a weight flip of the space, or a bit already counted.</summary>
    public long Outside { get; }
    public int TruthBits => probabilities.Length;

    /// <summary>One predicted bit: its probability and whether the cut calls it critical.</summary>
    public void Add(long index, double probability, bool critical)
    {
        int s = slot[index];
        if (s < 0) return;
        probabilities[s] = (float)probability;
        flags[index] |= (byte)(Predicted | (critical ? Called : 0));
    }

    /// <summary>Every bit of the truth, and those never injected in training; bits the prediction did not reach are
    /// left out (a full prediction reaches them all).</summary>
    public IReadOnlyList<TruthScore> Scores() => [Score("every bit", trainedToo: true), Score("never injected", trainedToo: false)];

    TruthScore Score(string name, bool trainedToo)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        long hits = 0, missed = 0, alarms = 0;
        for (long i = 0; i < flags.LongLength; i++)
        {
            byte f = flags[i];
            if ((f & (Known | Predicted)) != (Known | Predicted) || (!trainedToo && (f & Trained) != 0)) continue;
            bool critical = (f & IsCritical) != 0, called = (f & Called) != 0;
            scores.Add(probabilities[slot[i]]);
            labels.Add(critical);
            if (critical) { if (called) hits++; else missed++; }
            else if (called) alarms++;
        }
        double auc = scores.Count == 0 ? double.NaN : BinaryMetrics.RocAuc(scores, labels);
        return new TruthScore(name, scores.Count, hits + missed, auc, hits + missed == 0 ? double.NaN : (double)hits / (hits + missed), missed,
            scores.Count == 0 ? double.NaN : 100.0 * alarms / scores.Count);
    }
}
