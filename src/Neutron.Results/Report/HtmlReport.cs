// Writes the report: one self-contained HTML file (inline CSS and SVG; no script, no external font, no network)
// and, beside it, every chart's data as CSV and JSON in an export folder. Sections come from ReportSections.cs.
using System.Net;
using System.Text;

namespace Neutron.Results.Report;

public static class HtmlReport
{
    /// <summary>Writes the HTML file and the exports; returns the export files written.</summary>
    public static IReadOnlyList<string> Write(ReportInput input, string htmlPath, string? exportDir = null)
    {
        var sections = ReportSections.Build(input);
        exportDir ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(htmlPath))!, Path.GetFileNameWithoutExtension(htmlPath) + "_files");
        Directory.CreateDirectory(exportDir);
        var written = new List<string>();
        foreach (var table in sections.SelectMany(s => s.Tables))
        {
            string csv = Path.Combine(exportDir, table.Name + ".csv"), json = Path.Combine(exportDir, table.Name + ".json");
            File.WriteAllText(csv, table.ToCsv());
            File.WriteAllText(json, table.ToJson());
            written.Add(csv);
            written.Add(json);
        }
        File.WriteAllText(htmlPath, Render(input, sections, Path.GetFileName(exportDir)));
        return written;
    }

    public static string Render(ReportInput input, IReadOnlyList<ReportSection> sections, string exportFolder)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(WebUtility.HtmlEncode(input.Title)).Append("</title><style>").Append(Css).Append("</style></head><body>");
        sb.Append("<header><h1>").Append(WebUtility.HtmlEncode(input.Title)).Append("</h1><p class=\"note\">");
        if (input.Generated is { } when) sb.Append("Generated ").Append(when.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture)).Append(". ");
        sb.Append("Every chart's data is in <code>").Append(WebUtility.HtmlEncode(exportFolder)).Append("/</code> as CSV and JSON.</p>");
        sb.Append("<nav>");
        foreach (var s in sections) sb.Append("<a href=\"#").Append(s.Id).Append("\">").Append(WebUtility.HtmlEncode(s.Heading)).Append("</a>");
        sb.Append("</nav></header><main>");
        foreach (var s in sections)
        {
            sb.Append("<section id=\"").Append(s.Id).Append("\"><h2>").Append(WebUtility.HtmlEncode(s.Heading)).Append("</h2>");
            sb.Append("<p class=\"intro\">").Append(s.Intro).Append("</p>");
            sb.Append("<div class=\"figure\">").Append(s.Body).Append("</div>");
            sb.Append("<p class=\"note\">Data: ").AppendJoin(", ", s.Tables.Select(t => $"<code>{WebUtility.HtmlEncode(t.Name)}.csv</code>")).Append("</p></section>");
        }
        sb.Append("</main><footer>Neutron — bit 0 is the least significant bit of the stored word; SDC and drop as in DESIGN §4.</footer></body></html>\n");
        return sb.ToString();
    }

    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#f6f7f9}
        header{background:#1f2d3d;color:#fff;padding:18px 32px}header h1{margin:0 0 6px;font-size:22px}
        header .note{color:#c8d3df}header code{color:#fff}
        nav{margin-top:10px;display:flex;flex-wrap:wrap;gap:6px 14px}nav a{color:#9cc3ff;text-decoration:none;font-size:13px}
        main{max-width:1100px;margin:0 auto;padding:12px 24px}
        section{background:#fff;border:1px solid #e1e4e8;border-radius:8px;margin:18px 0;padding:14px 22px}
        h2{font-size:18px;margin:4px 0 8px}.intro{font-size:13px;color:#444;max-width:900px}
        .figure{overflow-x:auto}svg.chart{display:block;margin:8px 0;background:#fff;font-family:inherit}
        table{border-collapse:collapse;font-size:12px;margin:10px 0}th,td{border-bottom:1px solid #e5e5e5;padding:3px 9px;text-align:left}
        th{background:#f0f2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
        .cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}.card{border:1px solid #e1e4e8;border-radius:6px;padding:8px 14px;min-width:150px}
        .card .label{font-size:11px;color:#666;text-transform:uppercase;letter-spacing:.03em}.card .value{font-size:20px;margin-top:2px}
        .card small{font-size:11px;color:#666}.card .note{margin-top:2px}
        .badge{display:inline-block;margin-top:6px;padding:2px 10px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:#888}
        .badge.meets{background:#2f8f4e}.badge.fails{background:#c0392b}.badge.undecided{background:#b8860b}
        ul.verdict{font-size:13px;color:#333;max-width:1000px}.note{font-size:12px;color:#666}footer{font-size:11px;color:#888;text-align:center;padding:18px}
        """;
}
