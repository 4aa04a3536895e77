// `neutron export`: one row per fault (fault text, images, golden_correct, faulty_correct, sdc, nonfinite, drop)
// as CSV, or as JSON with the campaign's settings. Streams rows from the store; invariant culture throughout.
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
        writer.Write("id,fault,images,golden_correct,faulty_correct,sdc,nonfinite,drop\n");
        long rows = 0;
        foreach (var r in store.Outcomes(campaign))
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{r.FaultIndex},{FaultCsv.Quote(r.Fault)},{r.Images},{r.GoldenCorrect},{r.FaultyCorrect},{r.Sdc},{r.NonFinite},{r.Drop:R}\n"));
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
        json.WriteString("filters", s.Filters);
        json.WriteString("plan", s.Planner);
        json.WriteNumber("seed", s.Seed);
        json.WriteString("kernel_set", s.KernelSet);
        json.WriteString("shard", s.Shard);
        json.WriteNumber("plan_size", s.PlanSize);
        json.WriteString("created", s.Created);
        json.WriteEndObject();
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
            json.WriteEndObject();
            rows++;
        }
        json.WriteEndArray();
        json.WriteEndObject();
        return rows;
    }

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
