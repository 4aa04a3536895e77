// How a campaign's site filter is stored: a versioned JSON document in campaigns.site_filter, e.g.
// {"version":1,"name_or_layer":"conv*","op_types":["Conv"],"min_bit":20,"max_bit":31}. Absent keys are "any".
// Databases of schema 3 and before stored "layer=G;op=T;bits=LO-HI"; FromLegacy reads that once, when such a file is
// upgraded or read as recorded.
using System.Globalization;
using System.Text.Json;
using Neutron.Faults.Sites;

namespace Neutron.Results.Store;

public static class SiteFilterJson
{
    const int Version = 1;

    public static string Write(SiteFilter f)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            if (f.Name is not null) json.WriteString("name", f.Name);
            if (f.NameOrLayer is not null) json.WriteString("name_or_layer", f.NameOrLayer);
            if (f.Layer is not null) json.WriteString("layer", f.Layer);
            if (f.OpTypes is not null)
            {
                json.WriteStartArray("op_types");
                foreach (var op in f.OpTypes) json.WriteStringValue(op);
                json.WriteEndArray();
            }
            json.WriteNumber("min_bit", f.MinBit);
            json.WriteNumber("max_bit", f.MaxBit);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses a stored filter; FormatException when it is not one this version wrote.</summary>
    public static SiteFilter Read(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != Version) throw new FormatException($"site filter version {version} is not {Version}");
            string? Text(string key) => root.TryGetProperty(key, out var v) ? v.GetString() : null;
            return new SiteFilter
            {
                Name = Text("name"), NameOrLayer = Text("name_or_layer"), Layer = Text("layer"),
                OpTypes = root.TryGetProperty("op_types", out var ops) ? ops.EnumerateArray().Select(o => o.GetString() ?? throw new FormatException("an op type is null")).ToArray() : null,
                MinBit = root.GetProperty("min_bit").GetInt32(), MaxBit = root.GetProperty("max_bit").GetInt32(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"site filter '{(text.Length > 60 ? text[..60] + "…" : text)}' is not a stored filter: {e.Message}", e);
        }
    }

    /// <summary>The filter text of schema 3 and before, "layer=G;op=T;bits=LO-HI" (empty G or T: any; an empty
    /// text: everything).</summary>
    public static SiteFilter FromLegacy(string text)
    {
        if (text.Length == 0) return SiteFilter.All;
        var keys = text.Split(';').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        string? Get(string key) => keys.GetValueOrDefault(key) is { Length: > 0 } v ? v : null;
        var bits = Get("bits")?.Split('-');
        if (bits is not [var lo, var hi] || !int.TryParse(lo, CultureInfo.InvariantCulture, out int low) || !int.TryParse(hi, CultureInfo.InvariantCulture, out int high))
            throw new FormatException($"stored filters '{text}' have no bit range LO-HI");
        return new SiteFilter
        {
            NameOrLayer = Get("layer"),
            OpTypes = Get("op")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            MinBit = low, MaxBit = high,
        };
    }
}
