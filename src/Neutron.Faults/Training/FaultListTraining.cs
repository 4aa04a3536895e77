// Fault-aware training from a fault list (e.g. a campaign's critical weight faults): every training step computes
// with the weight sites stored in a number format and K faults drawn from the list applied to their stored words
// (a fresh draw per step, from the counter RNG keyed by (seed, step)); the straight-through estimator carries the
// gradient to the clean shadow weights, which never hold a faulted value (Tape.FakeQuantize works on a copy).
// AccuracyUnderFaults measures held-out faults one at a time, as a campaign does. The bit-error-rate twin is
// FaultAwareTraining.cs; the list is read by ../Io/FaultCsv.cs.
using System.Globalization;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Neutron.Faults.Formats;
using Neutron.Faults.Io;
using Neutron.Faults.Random;

namespace Neutron.Faults.Training;

/// <summary>A fault list split into the faults training injects and the held-out faults before/after measure.</summary>
public sealed record FaultListSplit(Fault[] Training, Fault[] HeldOut);

public static class FaultListTraining
{
    /// <summary>
    /// The distinct weight faults of a list, checked against net's trainable weight sites in format (tensor, index,
    /// bit within the word). With criticalTau, only rows whose `drop` column (percentage points, as `neutron export`
    /// writes) exceeds τ: critical(τ) of DESIGN §4. An activation fault or a misfit throws a FaultException naming
    /// its line, whatever its drop: a training list holds weight faults only.
    /// </summary>
    public static Fault[] WeightFaults(IReadOnlyList<FaultRow> rows, ModelTape net, NumberFormat format, double? criticalTau = null)
    {
        if (criticalTau is { } t && !(t >= 0 && t < 100)) throw new ArgumentOutOfRangeException(nameof(criticalTau), t, "τ must lie in [0, 100) percentage points");
        var names = QuantizationAwareTraining.QuantizedParameters(net);
        var lengths = net.Parameters.Where(p => names.Contains(p.Name)).ToDictionary(p => p.Name, p => p.Length, StringComparer.Ordinal);
        var faults = new List<Fault>();
        var seen = new HashSet<Fault>();
        foreach (var row in rows)
        {
            var f = row.Fault;
            if (f.Target != FaultTarget.Weight)
                throw new FaultException($"fault '{f}' is an activation fault; training hardens stored weights, so the list must hold weight faults only", row.Line);
            if (!lengths.TryGetValue(f.Tensor, out int length))
                throw new FaultException($"fault '{f}': '{f.Tensor}' is not a trainable weight of a Conv, Gemm, MatMul or BatchNormalization in this model (they are {string.Join(", ", lengths.Keys.Take(4).Select(n => $"'{n}'"))}{(lengths.Count > 4 ? ", …" : "")})", row.Line);
            if (f.Index >= length)
                throw new FaultException($"fault '{f}': index {f.Index} is out of range for '{f.Tensor}', which has {length} elements (0..{length - 1})", row.Line);
            int high = f.Model.HighestBit(f.Bit);
            if (high >= format.Width)
                throw new FaultException($"fault '{f}': bit {high} is beyond the {format.Width}-bit word of {format.Name} (bits 0..{format.Width - 1})", row.Line);
            if (criticalTau is { } tau && !(Drop(row) > tau)) continue;
            if (seen.Add(f)) faults.Add(f);
        }
        return [.. faults];
    }

    /// <summary>A seeded split: round(fraction·n) faults held out (at least one, and at least one left to train on).</summary>
    public static FaultListSplit Split(IReadOnlyList<Fault> faults, double heldOutFraction, ulong seed)
    {
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "the held-out fraction must lie in (0, 1)");
        if (faults.Count < 2) throw new ArgumentException($"{faults.Count} fault(s) cannot be split into training and held-out faults; need at least 2", nameof(faults));
        var order = Permutation(faults.Count, seed, 4);
        int held = Math.Clamp((int)Math.Round(heldOutFraction * faults.Count, MidpointRounding.AwayFromZero), 1, faults.Count - 1);
        return new FaultListSplit(
            order.Skip(held).Select(i => faults[i]).ToArray(),
            order.Take(held).Select(i => faults[i]).ToArray());
    }

    /// <summary>The K distinct faults of training step `step` (all of them when K ≥ the list): a pure function of (seed, step).</summary>
    public static Fault[] Draw(IReadOnlyList<Fault> faults, int perStep, ulong seed, ulong step)
    {
        if (perStep < 1) throw new ArgumentOutOfRangeException(nameof(perStep), perStep, "need at least one fault per step");
        int k = Math.Min(perStep, faults.Count);
        // Partial Fisher–Yates over a lazily materialised index map: O(k) per step, whatever the list's length.
        var swapped = new Dictionary<int, int>();
        var drawn = new Fault[k];
        ulong key = CounterRng.Next(seed, step, 5);
        for (int i = 0; i < k; i++)
        {
            int j = i + (int)CounterRng.Below(key, (ulong)i, 6, (ulong)(faults.Count - i));
            int atJ = swapped.GetValueOrDefault(j, j);
            swapped[j] = swapped.GetValueOrDefault(i, i);
            drawn[i] = faults[atJ];
        }
        return drawn;
    }

    /// <summary>Installs stored-in-format-with-K-listed-faults as the parameter transform of net.</summary>
    public static void Attach(ModelTape net, NumberFormat format, IReadOnlyList<Fault> faults, int perStep, ulong seed, bool perChannel = true)
    {
        if (faults.Count == 0) throw new ArgumentException("fault-aware training from a list needs at least one fault", nameof(faults));
        if (perStep < 1) throw new ArgumentOutOfRangeException(nameof(perStep), perStep, "need at least one fault per step");
        var (min, max) = QuantizationAwareTraining.Range(format);
        ulong step = 0;
        var current = Draw(faults, perStep, seed, step);
        var last = new HashSet<Var>();
        net.ParameterTransform = (tape, p) =>
        {
            // A new forward starts when a parameter comes round again: draw the next step's faults.
            if (!last.Add(p))
            {
                last.Clear();
                last.Add(p);
                current = Draw(faults, perStep, seed, ++step);
            }
            var encoding = format.ForTensor(p.Data, p.Shape, perChannel);
            var mine = current.Where(f => f.Tensor == p.Name).ToArray();
            return tape.FakeQuantize(p, v =>
            {
                encoding.Quantize(v);
                foreach (var f in mine) v[(int)f.Index] = Faulted(encoding, f, v[(int)f.Index]);
            }, min, max);
        };
    }

    /// <summary>
    /// Top-1 accuracy of net on set with its weight sites stored in format and each fault applied alone (a memory
    /// fault held for the whole set, as in a campaign), mean with a normal 95 % interval over the faults; the fault-free
    /// accuracy in the same format comes out beside it. Weights and the parameter transform are restored afterwards.
    /// </summary>
    public static FaultStatistic AccuracyUnderFaults(ModelTape net, ImageSet set, NumberFormat format, IReadOnlyList<Fault> faults, out double faultFree, bool perChannel = true)
    {
        if (faults.Count == 0) throw new ArgumentException("need at least one fault to measure", nameof(faults));
        var transform = net.ParameterTransform;
        net.ParameterTransform = null;
        var names = QuantizationAwareTraining.QuantizedParameters(net);
        var targets = net.Parameters.Where(p => names.Contains(p.Name)).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var saved = targets.ToDictionary(t => t.Key, t => (float[])t.Value.Data.Clone(), StringComparer.Ordinal);
        var accuracy = new double[faults.Count];
        try
        {
            var encodings = new Dictionary<string, TensorEncoding>(StringComparer.Ordinal);
            foreach (var (name, p) in targets)
            {
                var encoding = format.ForTensor(p.Data, p.Shape, perChannel);
                encoding.Quantize(p.Data);
                encodings[name] = encoding;
            }
            faultFree = Trainer.Evaluate(net, set);
            for (int i = 0; i < faults.Count; i++)
            {
                var f = faults[i];
                var data = targets[f.Tensor].Data;
                float stored = data[f.Index];
                data[f.Index] = Faulted(encodings[f.Tensor], f, stored);
                try { accuracy[i] = Trainer.Evaluate(net, set); }
                finally { data[f.Index] = stored; }
            }
        }
        finally
        {
            foreach (var (name, values) in saved) values.CopyTo(targets[name].Data, 0);
            net.ParameterTransform = transform;
        }
        return FaultStatistic.Of(accuracy, "held-out faults");
    }

    /// <summary>What the element holds once the fault has changed its stored word: Decode(mask(Encode(value))).</summary>
    public static float Faulted(TensorEncoding encoding, Fault fault, float value) =>
        encoding.Decode(fault.Index, fault.Mask.Apply(encoding.Encode(fault.Index, value)));

    private static double Drop(FaultRow row)
    {
        if (!row.Columns.TryGetValue("drop", out var text))
            throw new FaultException("the list has no 'drop' column to pick critical faults by; export the campaign with `neutron export --csv`, or pass a list that holds only the faults to train against", row.Line);
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double drop))
            throw new FaultException($"drop '{text}' is not a number (percentage points)", row.Line);
        return drop;
    }

    private static int[] Permutation(int n, ulong seed, ulong stream)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)CounterRng.Below(seed, (ulong)i, stream, (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
