// The results model of one campaign at one tolerance τ: the overall row and one table per grouping (layer, tensor,
// bit, stratum), plus the overall row at every τ of a list, all from CampaignRates, and their JSON form (the
// fields docs/cli.md documents for `summary --json`). Built once; every printer reads it.
using System.Text.Json.Nodes;

namespace Neutron.Analysis.Campaign;

public sealed class CampaignResults(CampaignData d, double tolerance, IReadOnlyList<double>? tolerances = null)
{
    public double Tolerance { get; } = tolerance;
    public RateRow Overall { get; } = CampaignRates.Overall(d, tolerance);
    /// <summary>Per layer: the node a weight feeds or an activation's producing node.</summary>
    public IReadOnlyList<RateRow> PerLayer { get; } = CampaignRates.By(d, f => f.Layer, tolerance);
    public IReadOnlyList<RateRow> PerTensor { get; } = CampaignRates.By(d, f => f.Tensor, tolerance);
    public IReadOnlyList<RateRow> PerBit { get; } = CampaignRates.ByBit(d, tolerance);
    public IReadOnlyList<RateRow> PerStratum { get; } = CampaignRates.By(d, f => f.Stratum, tolerance);
    /// <summary>The overall row at each τ of the list (at <see cref="Tolerance"/> alone without one).</summary>
    public IReadOnlyList<RateRow> PerTolerance { get; } = (tolerances is { Count: > 0 } ? tolerances : [tolerance]).Select(t => CampaignRates.Overall(d, t)).ToList();
    public IEnumerable<RateRow> All => PerLayer.Concat(PerTensor).Concat(PerBit).Append(Overall);

    /// <summary>The rows as JSON: "overall" and one array per table.</summary>
    public JsonObject ToJson() => new()
    {
        ["overall"] = Row(Overall, null),
        ["per_layer"] = Rows(PerLayer, "layer"), ["per_tensor"] = Rows(PerTensor, "tensor"), ["per_bit"] = Rows(PerBit, "bit"),
        ["per_stratum"] = Rows(PerStratum, "stratum"), ["per_tolerance"] = Rows(PerTolerance, null),
    };

    static JsonArray Rows(IEnumerable<RateRow> rows, string? key) => new(rows.Select(r => (JsonNode)Row(r, key)).ToArray());

    static JsonObject Row(RateRow r, string? key)
    {
        var o = new JsonObject();
        if (key is not null) o[key] = r.Key;
        o["faults"] = r.Faults; o["sdc_faults"] = r.SdcFaults; o["sdc_rate"] = Num(r.SdcRate); o["sdc_lower"] = r.SdcLower; o["sdc_upper"] = r.SdcUpper;
        o["critical_faults"] = r.CriticalFaults; o["critical_rate"] = Num(r.CriticalRate); o["critical_lower"] = r.CriticalLower; o["critical_upper"] = r.CriticalUpper;
        o["nonfinite_faults"] = r.NonFiniteFaults; o["mean_drop_pp"] = Num(r.MeanDropPp); o["inference_sdc_rate"] = Num(r.InferenceSdcRate);
        o["estimator"] = r.Estimator; o["tolerance_pp"] = r.TolerancePp;
        return o;
    }

    static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
