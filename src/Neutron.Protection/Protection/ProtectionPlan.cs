// A protection scheme as a file (`neutron protect --out`, read by `neutron campaign --protect`): which stored
// weights (tensor + flat index ranges) or bit positions a code covers, and the code. Decide says, per fault and
// before it runs, what the protection does with it: an ECC word with one error is corrected, with two detected under
// SEC-DED; a TMR layer's replica is outvoted, a DMR one detected; everything else runs as is (or, for a code over some
// bit positions, runs without the corrected bit). Not here: the costs (EccProtection, Redundancy) and running faults.
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Neutron.Faults;
using Neutron.Faults.Models;

namespace Neutron.Protection.Protection;

/// <summary>What a protection does with one fault.</summary>
public enum ProtectionVerdict
{
    /// <summary>Unprotected, or beyond what the code handles: the fault runs (Decision.Run says which).</summary>
    Runs,
    /// <summary>Corrected by the code, or outvoted by the other replicas: no effect.</summary>
    Corrected,
    /// <summary>Detected (SEC-DED double error, DMR mismatch): a detected error, not an SDC.</summary>
    Detected,
}

/// <summary>A verdict, and for Runs the fault that runs (the original, or what is left after a correction).</summary>
public readonly record struct ProtectionDecision(ProtectionVerdict Verdict, Fault? Run);

public sealed record ProtectedTensor(
    [property: JsonPropertyName("tensor")] string Tensor,
    [property: JsonPropertyName("ranges")] long[][] Ranges);

public sealed record ProtectedBits(
    [property: JsonPropertyName("high")] int High,
    [property: JsonPropertyName("low")] int Low);

public sealed partial record ProtectionPlan
{
    [JsonPropertyName("scheme")] public required string Scheme { get; init; }
    /// <summary>sec, sec-ded, tmr or dmr.</summary>
    [JsonPropertyName("code")] public required string Code { get; init; }
    [JsonPropertyName("code_description")] public string CodeDescription { get; init; } = "";
    [JsonPropertyName("model_sha256")] public required string ModelSha256 { get; init; }
    [JsonPropertyName("format")] public string Format { get; init; } = "";
    [JsonPropertyName("word_bits")] public int WordBits { get; init; }
    /// <summary>For a code over some bit positions of every protected word (ecc-bits); null: the whole word.</summary>
    [JsonPropertyName("bits")] public ProtectedBits? Bits { get; init; }
    /// <summary>Protected stored weights: per tensor, inclusive flat index ranges [first, last].</summary>
    [JsonPropertyName("protected")] public required ProtectedTensor[] Protected { get; init; }
    [JsonPropertyName("memory_overhead_pct")] public double MemoryOverheadPct { get; init; }
    [JsonPropertyName("ecc_pct")] public double EccPct { get; init; }
    [JsonPropertyName("signature_pct")] public double SignaturePct { get; init; }
    [JsonPropertyName("compute_overhead_pct")] public double ComputeOverheadPct { get; init; }
    [JsonPropertyName("gain_vs_ecc_all_pct")] public double GainVsEccAllPct { get; init; }
    [JsonPropertyName("ecc_all_pct")] public double EccAllPct { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("protected_parameters")] public long ProtectedParameters { get; init; }
    [JsonPropertyName("check_bits_per_word")] public int CheckBitsPerWord { get; init; }
    [JsonPropertyName("critical_from")] public string? CriticalFrom { get; init; }

    public const string Sec = "sec", SecDed = "sec-ded", Tmr = "tmr", Dmr = "dmr";

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Indented JSON with each [first, last] range on one line.</summary>
    public string ToJson() => PairPattern().Replace(JsonSerializer.Serialize(this, Options), "[$1, $2]");

    [GeneratedRegex(@"\[\s*(\d+),\s*(\d+)\s*\]")]
    private static partial Regex PairPattern();

    /// <summary>Parses and checks a protection file; a FormatException says what is wrong.</summary>
    public static ProtectionPlan Parse(string json)
    {
        ProtectionPlan? plan;
        try { plan = JsonSerializer.Deserialize<ProtectionPlan>(json, Options); }
        catch (JsonException e) { throw new FormatException($"not a protection file ({e.Message})", e); }
        if (plan is null) throw new FormatException("not a protection file (null)");
        if (plan.Code is not (Sec or SecDed or Tmr or Dmr)) throw new FormatException($"code '{plan.Code}' is not sec, sec-ded, tmr or dmr");
        if (plan.Bits is { } b && (b.Low < 0 || b.High < b.Low || b.High > 31)) throw new FormatException($"bits {b.High}-{b.Low} are not a range HI-LO within 31-0");
        foreach (var t in plan.Protected)
        {
            if (string.IsNullOrEmpty(t.Tensor) || t.Ranges is null) throw new FormatException("a protected entry has no tensor or no ranges");
            foreach (var r in t.Ranges)
                if (r is not [var first, var last] || first < 0 || last < first) throw new FormatException($"tensor {t.Tensor}: a range is not [first, last] with 0 ≤ first ≤ last");
        }
        return plan;
    }

    /// <summary>Inclusive ranges of sorted, distinct indices.</summary>
    public static long[][] Ranges(IEnumerable<long> indices)
    {
        var ranges = new List<long[]>();
        foreach (long i in indices.Order())
        {
            if (ranges.Count > 0 && ranges[^1][1] >= i - 1) ranges[^1][1] = Math.Max(ranges[^1][1], i);
            else ranges.Add([i, i]);
        }
        return [.. ranges];
    }

    Dictionary<string, long[][]>? lookup;

    /// <summary>Whether the stored weight (tensor, element) is covered.</summary>
    public bool Covers(string tensor, long element)
    {
        lookup ??= Protected.GroupBy(t => t.Tensor, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(t => t.Ranges).OrderBy(r => r[0]).ToArray(), StringComparer.Ordinal);
        if (!lookup.TryGetValue(tensor, out var ranges)) return false;
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ranges[mid][1] < element) lo = mid + 1;
            else if (ranges[mid][0] > element) hi = mid - 1;
            else return true;
        }
        return false;
    }

    /// <summary>What the protection does with a fault. Activation faults run as is (the schemes cover stored weights).
    /// Every bit a fault covers counts as an error, stuck-at ones included. A double error under SEC (no detection)
    /// runs as is: the miscorrection's extra flip is not modelled.</summary>
    public ProtectionDecision Decide(Fault fault)
    {
        if (fault.Target != FaultTarget.Weight || !Covers(fault.Tensor, fault.Index)) return new(ProtectionVerdict.Runs, fault);
        if (Code == Tmr) return new(ProtectionVerdict.Corrected, null);
        if (Code == Dmr) return new(ProtectionVerdict.Detected, null);
        uint hit = fault.Model.Bits(fault.Bit);
        uint covered = Bits is { } b ? (uint)(((1UL << (b.High + 1)) - 1) & ~((1UL << b.Low) - 1)) : uint.MaxValue;
        uint inCode = hit & covered;
        int errors = BitOperations.PopCount(inCode);
        if (errors == 0) return new(ProtectionVerdict.Runs, fault);
        if (errors == 1)
        {
            uint rest = hit & ~inCode;
            if (rest == 0) return new(ProtectionVerdict.Corrected, null);
            int bit = BitOperations.TrailingZeroCount(rest);
            return new(ProtectionVerdict.Runs, fault with { Bit = bit, Model = new FaultModel(fault.Model.Kind, rest & ~(1u << bit)) });
        }
        if (errors == 2 && Code == SecDed) return new(ProtectionVerdict.Detected, null);
        return new(ProtectionVerdict.Runs, fault);
    }
}
