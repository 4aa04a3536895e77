// Fault lists as CSV: a header with a `fault` column (DESIGN §4 text form) and an optional `id` column; other
// columns are ignored, so result files such as ../shared/peer/*.csv import directly. Fields may be quoted
// ("" escapes a quote). A malformed line throws one FaultException naming the line and the reason.
using System.Globalization;
using System.Text;

namespace Neutron.Faults.Io;

/// <summary>One fault read from a list: its id (the `id` column, else its 0-based row), the fault, its 1-based line, and every column.</summary>
public sealed record FaultRow(long Id, Fault Fault, int Line, IReadOnlyDictionary<string, string> Columns);

public static class FaultCsv
{
    public static List<FaultRow> Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader);
    }

    public static List<FaultRow> Read(TextReader reader)
    {
        string? header = reader.ReadLine();
        if (header is null) throw new FaultException("the fault list is empty; expected a header line with a 'fault' column", 1);
        var names = Split(header.TrimStart('\uFEFF'), 1);
        int faultColumn = names.FindIndex(n => n.Trim().Equals("fault", StringComparison.OrdinalIgnoreCase));
        int idColumn = names.FindIndex(n => n.Trim().Equals("id", StringComparison.OrdinalIgnoreCase));
        if (faultColumn < 0) throw new FaultException($"the header has no 'fault' column (columns: {string.Join(", ", names)})", 1);

        var rows = new List<FaultRow>();
        var ids = new HashSet<long>();
        int line = 1;
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var fields = Split(text, line);
            if (fields.Count != names.Count)
                throw new FaultException($"{fields.Count} fields, the header has {names.Count}", line);
            Fault fault;
            try { fault = Fault.Parse(fields[faultColumn]); }
            catch (FaultException e) { throw new FaultException(e.Message, line, e); }
            long id = rows.Count;
            if (idColumn >= 0 && !long.TryParse(fields[idColumn].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id))
                throw new FaultException($"id '{fields[idColumn]}' is not an integer", line);
            if (!ids.Add(id)) throw new FaultException($"id {id} appears twice", line);
            var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Count; i++) columns[names[i].Trim()] = fields[i];
            rows.Add(new FaultRow(id, fault, line, columns));
        }
        return rows;
    }

    public static void Write(string path, IEnumerable<(long Id, Fault Fault)> faults)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        Write(writer, faults);
    }

    public static void Write(TextWriter writer, IEnumerable<(long Id, Fault Fault)> faults)
    {
        writer.Write("id,fault\n");
        foreach (var (id, fault) in faults)
            writer.Write($"{id.ToString(CultureInfo.InvariantCulture)},{Quote(fault.ToString())}\n");
    }

    /// <summary>Quotes a field when it holds a comma, a quote or a line break.</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static List<string> Split(string line, int lineNumber)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new FaultException("unterminated quoted field", lineNumber);
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',') throw new FaultException($"unexpected '{line[i]}' after a quoted field at column {i + 1}", lineNumber);
            }
            else
            {
                while (i < line.Length && line[i] != ',') sb.Append(line[i++]);
            }
            fields.Add(sb.ToString());
            if (i >= line.Length) return fields;
            i++; // the comma
        }
    }
}
