// `neutron export`: one row per fault (fault text, images, golden_correct, faulty_correct, sdc, nonfinite, drop, and
// for a campaign run under a protection its verdict: ran, corrected or detected) as CSV, or as JSON with the
// campaign's settings. Streams rows from the store; invariant culture throughout.
// The HTML report is elsewhere (Report/).
using System.Globalization;
using System.Text;
using System.Text.Json;
using Neutron.Faults.Io;
using Neutron.Results.Store;

namespace Neutron.Results.Export;

public static class OutcomeExport
{
    public static long WriteCsv(CampaignStore store, long campaign, TextWriter writer)
    {
        bool protectedRun = store.Settings(campaign).Protection.Length > 0;
        var verdicts = protectedRun ? store.ProtectedOutcomes(campaign) : [];
        writer.Write(protectedRun ? "id,fault,images,golden_correct,faulty_correct,sdc,nonfinite,drop,protection\n" : "id,fault,images,golden_correct,faulty_correct,sdc,nonfinite,drop\n");
        long rows = 0;
        foreach (var r in store.Outcomes(campaign))
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{r.FaultIndex},{FaultCsv.Quote(r.Fault)},{r.Images},{r.GoldenCorrect},{r.FaultyCorrect},{r.Sdc},{r.NonFinite},{r.Drop:R}"));
            writer.Write(protectedRun ? "," + Verdict(verdicts, r.FaultIndex) + "\n" : "\n");
            rows++;
        }
        return rows;
    }

    public static long WriteJson(CampaignStore store, long campaign, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var s = store.Settings(campaign);
        json.WriteStartObject();
        json.WriteStartObject("campaign");
        json.WriteString("tool_version", s.ToolVersion);
        json.WriteString("model_path", s.ModelPath);
        json.WriteString("model_sha256", s.ModelSha256);
        json.WriteString("data", s.DataSpec);
        json.WriteNumber("images", s.Images);
        json.WriteString("format", s.Format);
        json.WriteString("datapath", s.Datapath);
        json.WriteString("target", s.Target);
        json.WriteString("fault_model", s.FaultModel);
        json.WritePropertyName("sites");
        json.WriteRawValue(Store.SiteFilterJson.Write(s.Sites));
        json.WriteString("plan", s.Planner);
        json.WriteNumber("seed", s.Seed);
        json.WriteString("kernel_set", s.KernelSet);
        json.WriteString("shard", s.Shard);
        json.WriteNumber("plan_size", s.PlanSize);
        json.WriteString("created", s.Created);
        if (s.Protection.Length > 0) json.WriteString("protection_sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(s.Protection))));
        json.WriteEndObject();
        var verdicts = s.Protection.Length > 0 ? store.ProtectedOutcomes(campaign) : [];
        json.WriteStartArray("faults");
        long rows = 0;
        foreach (var r in store.Outcomes(campaign))
        {
            json.WriteStartObject();
            json.WriteNumber("id", r.FaultIndex);
            json.WriteString("fault", r.Fault);
            json.WriteNumber("images", r.Images);
            json.WriteNumber("golden_correct", r.GoldenCorrect);
            json.WriteNumber("faulty_correct", r.FaultyCorrect);
            json.WriteNumber("sdc", r.Sdc);
            json.WriteNumber("nonfinite", r.NonFinite);
            json.WriteNumber("drop", r.Drop);
            if (s.Protection.Length > 0) json.WriteString("protection", Verdict(verdicts, r.FaultIndex));
            json.WriteEndObject();
            rows++;
        }
        json.WriteEndArray();
        json.WriteEndObject();
        return rows;
    }

    static string Verdict(Dictionary<long, OutcomeProtection> verdicts, long index) => verdicts.GetValueOrDefault(index) switch
    {
        OutcomeProtection.Corrected => "corrected",
        OutcomeProtection.Detected => "detected",
        _ => "ran",
    };

    public static long WriteCsv(CampaignStore store, long campaign, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        return WriteCsv(store, campaign, writer);
    }

    public static long WriteJson(CampaignStore store, long campaign, string path)
    {
        using var stream = File.Create(path);
        return WriteJson(store, campaign, stream);
    }
}
