// The data behind one chart or table of the report, as named columns and rows: the SVG is drawn from it and it is
// exported beside the report as CSV and JSON, so every picture has its numbers. Not a general data frame.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Neutron.Results.Report;

public sealed class ChartTable(string name, string title, params string[] columns)
{
    /// <summary>File-name stem of the exports (letters, digits, '-').</summary>
    public string Name { get; } = name;
    public string Title { get; } = title;
    public IReadOnlyList<string> Columns { get; } = columns;
    public List<object?[]> Rows { get; } = [];

    public ChartTable Add(params object?[] row)
    {
        if (row.Length != Columns.Count) throw new ArgumentException($"{Name}: row of {row.Length} values for {Columns.Count} columns", nameof(row));
        Rows.Add(row);
        return this;
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', Columns.Select(Quote)).Append('\n');
        foreach (var row in Rows) sb.AppendJoin(',', row.Select(v => Quote(v is string text ? Defuse(text) : Format(v)))).Append('\n');
        return sb.ToString();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", Name);
            w.WriteString("title", Title);
            w.WriteStartArray("rows");
            foreach (var row in Rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < row.Length; i++)
                {
                    w.WritePropertyName(Columns[i]);
                    switch (row[i])
                    {
                        case null: w.WriteNullValue(); break;
                        case double d when !double.IsFinite(d): w.WriteNullValue(); break; // JSON has no NaN
                        case double d: w.WriteNumberValue(d); break;
                        case int n: w.WriteNumberValue(n); break;
                        case long n: w.WriteNumberValue(n); break;
                        case bool b: w.WriteBooleanValue(b); break;
                        default: w.WriteStringValue(Format(row[i])); break;
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Text that a spreadsheet would run as a formula (a node named "=cmd|..." or "-1+2") gets a leading
    /// apostrophe, which spreadsheets show as text (OWASP's advice for CSV injection). Numbers are not text here.</summary>
    public static string Defuse(string s) => s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + s : s;

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
