// Fault-aware training: every forward computes with the weight sites stored in a number format where each
// stored bit has flipped independently with probability BER (a fresh fault map per step, drawn from the counter
// RNG keyed by (seed, step)), and the straight-through estimator carries the gradient to the clean shadow
// weights, so training learns weights whose errors under such faults stay small. AccuracyUnderFaults measures
// a net under held-out fault maps (other seeds), the before/after figure. Bit numbering as DESIGN §4.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Neutron.Faults.Formats;
using Neutron.Faults.Random;

namespace Neutron.Faults.Training;

/// <summary>Accuracy under faults: the mean over fault maps (or listed faults), a normal 95 % interval, each value, and what they were.</summary>
public sealed record FaultStatistic(double Mean, double Low, double High, double[] PerMap, string Unit = "fault maps")
{
    public override string ToString() => $"{Mean:P2} (95 % CI {Low:P2} – {High:P2}, {PerMap.Length} {Unit})";

    /// <summary>Mean ± 1.96 standard errors (sample standard deviation; zero width for one value).</summary>
    public static FaultStatistic Of(double[] values, string unit)
    {
        if (values.Length == 0) throw new ArgumentException("need at least one value", nameof(values));
        double mean = values.Average();
        double sd = values.Length > 1 ? Math.Sqrt(values.Sum(a => (a - mean) * (a - mean)) / (values.Length - 1)) : 0;
        double half = 1.96 * sd / Math.Sqrt(values.Length);
        return new FaultStatistic(mean, mean - half, mean + half, values, unit);
    }
}

public static class FaultAwareTraining
{
    /// <summary>Installs stored-in-format-with-random-bit-flips as the parameter transform of net.</summary>
    public static void Attach(ModelTape net, NumberFormat format, double bitErrorRate, ulong seed, bool perChannel = true)
    {
        CheckRate(bitErrorRate);
        var names = QuantizationAwareTraining.QuantizedParameters(net);
        var offsets = Offsets(net, names);
        ulong step = 0;
        var last = new HashSet<Var>();
        net.ParameterTransform = (tape, p) =>
        {
            // A new forward starts when a parameter comes round again: move to the next fault map.
            if (!last.Add(p))
            {
                last.Clear();
                last.Add(p);
                step++;
            }
            var encoding = format.ForTensor(p.Data, p.Shape, perChannel);
            ulong mapSeed = CounterRng.Next(seed, step, 1);
            return tape.FakeQuantize(p, v => StoreWithFlips(v, encoding, bitErrorRate, mapSeed, offsets[p.Name]));
        };
    }

    /// <summary>
    /// Top-1 accuracy of net on set with its weight sites stored in format and hit by `maps` independent fault maps
    /// (map m keyed by (seed, m)); the weights are restored afterwards. Mean with a normal 95 % interval over maps.
    /// </summary>
    public static FaultStatistic AccuracyUnderFaults(ModelTape net, ImageSet set, NumberFormat format, double bitErrorRate, int maps, ulong seed, bool perChannel = true)
    {
        CheckRate(bitErrorRate);
        if (maps < 1) throw new ArgumentOutOfRangeException(nameof(maps), maps, "need at least one fault map");
        var transform = net.ParameterTransform;
        net.ParameterTransform = null;
        var names = QuantizationAwareTraining.QuantizedParameters(net);
        var offsets = Offsets(net, names);
        var targets = net.Parameters.Where(p => names.Contains(p.Name)).ToArray();
        var saved = targets.Select(p => (float[])p.Data.Clone()).ToArray();
        var accuracy = new double[maps];
        try
        {
            for (int m = 0; m < maps; m++)
            {
                ulong mapSeed = CounterRng.Next(seed, (ulong)m, 2);
                foreach (var p in targets)
                    StoreWithFlips(p.Data, format.ForTensor(p.Data, p.Shape, perChannel), bitErrorRate, mapSeed, offsets[p.Name]);
                accuracy[m] = Trainer.Evaluate(net, set);
                for (int i = 0; i < targets.Length; i++) saved[i].CopyTo(targets[i].Data, 0);
            }
        }
        finally
        {
            for (int i = 0; i < targets.Length; i++) saved[i].CopyTo(targets[i].Data, 0);
            net.ParameterTransform = transform;
        }
        return FaultStatistic.Of(accuracy, "fault maps");
    }

    /// <summary>
    /// Stores values in their encoding and flips each stored bit with probability ber. Flip positions are drawn by
    /// geometric skips from the counter RNG keyed by (mapSeed, global bit index), so a map is a pure function of
    /// its seed, independent of how tensors are visited.
    /// </summary>
    public static void StoreWithFlips(Span<float> values, TensorEncoding encoding, double ber, ulong mapSeed, long firstWord)
    {
        int width = encoding.Width;
        long bits = (long)values.Length * width;
        var words = new uint[values.Length];
        for (int i = 0; i < values.Length; i++) words[i] = encoding.Encode(i, values[i]);
        if (ber > 0)
        {
            double logKeep = Math.Log(1 - ber);
            long at = -1;
            long draw = firstWord * width;
            while (true)
            {
                double u = CounterRng.Uniform(mapSeed, (ulong)draw++, 3);
                at += 1 + (long)Math.Floor(Math.Log(1 - u) / logKeep);
                if (at >= bits || at < 0) break;
                words[at / width] ^= 1u << (int)(at % width);
            }
        }
        for (int i = 0; i < values.Length; i++) values[i] = encoding.Decode(i, words[i]);
    }

    /// <summary>Each quantised parameter's first word in one global numbering (names sorted), to key fault draws.</summary>
    private static Dictionary<string, long> Offsets(ModelTape net, HashSet<string> names)
    {
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        long at = 0;
        foreach (var p in net.Parameters)
        {
            if (!names.Contains(p.Name)) continue;
            offsets[p.Name] = at;
            at += p.Length;
        }
        return offsets;
    }

    private static void CheckRate(double ber)
    {
        if (!(ber >= 0 && ber < 1)) throw new ArgumentOutOfRangeException(nameof(ber), ber, "bit-error rate must be in [0, 1)");
    }
}
