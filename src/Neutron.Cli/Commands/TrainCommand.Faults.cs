// neutron train against faults: --fault-aware (random flips at a bit-error rate) and --fault-list (a campaign's
// weight faults), with the accuracy under held-out faults printed before and after training.
using System.Globalization;
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Io;
using Neutron.Faults.Training;

namespace Neutron.Cli.Commands;

public static partial class TrainCommand
{
    private static void AttachFaultAware(ModelTape net, ImageSet? testSet, NumberFormat? format, double rate, int maps, ulong seed)
    {
        if (format is null) throw new UserError("--fault-aware needs the format the faults hit", "add --qat fxp8.6 (or int8, fxpW.F)");
        if (!(rate > 0 && rate < 1)) throw new UserError($"bit-error rate {rate} must be in (0, 1)", "e.g. --fault-aware 1e-3");
        if (maps < 1) throw new UserError($"--fault-maps {maps} must be at least 1", "e.g. --fault-maps 20");
        if (testSet is not null)
        {
            var before = FaultAwareTraining.AccuracyUnderFaults(net, testSet, format, rate, maps, HeldOutSeed(seed));
            Console.WriteLine($"before: test accuracy at bit-error rate {rate:G3} in {format.Name}: {before}");
        }
        FaultAwareTraining.Attach(net, format, rate, seed);
    }

    private static void PrintFaultAwareAfter(ModelTape net, ImageSet testSet, NumberFormat format, double rate, int maps, ulong seed)
    {
        var after = FaultAwareTraining.AccuracyUnderFaults(net, testSet, format, rate, maps, HeldOutSeed(seed));
        Console.WriteLine($"after:  test accuracy at bit-error rate {rate:G3} in {format.Name}: {after} (fault-free {Trainer.Evaluate(net, testSet):P2})");
    }

    private static FaultListSplit AttachFaultList(ModelTape net, ImageSet? testSet, NumberFormat? qatFormat, FileInfo listFile, double? critical, double heldOut, int perStep, ulong seed)
    {
        // A list does not say which format its bit numbers address; guessing fp32 would silently turn an
        // fxp8.6 sign-bit fault into a flip of a low mantissa bit.
        if (qatFormat is null) throw new UserError("--fault-list needs the format its faults hit", "add --qat with the campaign's --format, e.g. --qat fxp8.6 (--qat fp32 for a float32 campaign)");
        var split = FaultList(net, listFile, qatFormat, critical, heldOut, perStep, seed);
        Console.WriteLine($"fault list {listFile.Name}: {split.Training.Length + split.HeldOut.Length:N0} weight faults in {qatFormat.Name}, {split.Training.Length:N0} to train against ({perStep} per step), {split.HeldOut.Length:N0} held out");
        if (testSet is not null)
        {
            var before = FaultListTraining.AccuracyUnderFaults(net, testSet, qatFormat, split.HeldOut, out double clean);
            Console.WriteLine($"before: test accuracy under one held-out fault in {qatFormat.Name}: {before}; {Drop(before, clean)}");
        }
        FaultListTraining.Attach(net, qatFormat, split.Training, perStep, seed);
        return split;
    }

    private static void PrintFaultListAfter(ModelTape net, ImageSet testSet, NumberFormat format, FaultListSplit split)
    {
        var after = FaultListTraining.AccuracyUnderFaults(net, testSet, format, split.HeldOut, out double clean);
        Console.WriteLine($"after:  test accuracy under one held-out fault in {format.Name}: {after}; {Drop(after, clean)}");
    }

    /// <summary>Fault maps for before/after figures come from another seed than training's, so they are held out.</summary>
    private static ulong HeldOutSeed(ulong seed) => seed ^ 0x5EED_0F_FA17UL;

    /// <summary>Reads, filters and splits a --fault-list; every problem is a usage error naming the file and line.</summary>
    private static FaultListSplit FaultList(ModelTape net, FileInfo file, NumberFormat format, double? critical, double heldOut, int perStep, ulong seed)
    {
        if (!file.Exists) throw new UserError($"fault list '{file.FullName}' not found", "check the path of --fault-list");
        if (critical is { } tau && !(tau >= 0 && tau < 100))
            throw new UserError($"--critical {tau.ToString(CultureInfo.InvariantCulture)} must lie in [0, 100) percentage points", "e.g. --critical 1");
        if (!(heldOut > 0 && heldOut < 1)) throw new UserError($"--held-out {heldOut.ToString(CultureInfo.InvariantCulture)} must lie in (0, 1)", "e.g. --held-out 0.2 holds out a fifth of the faults");
        if (perStep < 1) throw new UserError($"--faults-per-step {perStep} must be at least 1", "e.g. --faults-per-step 1");
        Fault[] faults;
        try { faults = FaultListTraining.WeightFaults(FaultCsv.Read(file.FullName), net, format, critical); }
        catch (FaultException e)
        {
            throw new UserError($"{file.Name}: {e.Message}", e.Message.Contains("activation", StringComparison.Ordinal)
                ? "train against a weight campaign's faults (`neutron campaign --target weights`), or delete the act: lines"
                : $"the list must fit this model in {format.Name} (`neutron inspect MODEL` lists the weights; --qat sets the format)");
        }
        if (faults.Length < 2)
            throw new UserError($"{file.Name}: {faults.Length} weight fault(s){(critical is null ? "" : $" with drop above {critical.Value.ToString(CultureInfo.InvariantCulture)} points")}; training and held-out faults need at least 2",
                critical is null ? "use a longer list" : "lower --critical, or run a larger campaign");
        return FaultListTraining.Split(faults, heldOut, HeldOutSeed(seed));
    }

    /// <summary>Fault-free accuracy and the mean drop under one fault with its interval (paired per fault, so tighter than the accuracies').</summary>
    private static string Drop(FaultStatistic underFaults, double faultFree)
    {
        var drop = FaultStatistic.Of(underFaults.PerMap.Select(a => (faultFree - a) * 100).ToArray(), "");
        return string.Create(CultureInfo.InvariantCulture, $"fault-free {faultFree:P2}, mean drop {drop.Mean:F2} points (95 % CI {drop.Low:F2} – {drop.High:F2})");
    }
}
