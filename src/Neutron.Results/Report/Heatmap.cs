// A heatmap of rows × columns. By default the sink-class one: rows are layers, columns are classes, the colour is
// observed/expected changed predictions (1 = chance, white; above 1 red, below blue, on a log2 scale clipped at ×8),
// sinks outlined; with ShareColour, a share from white (0) to red (1), as the predicted-criticality map draws.
// This file only draws.
namespace Neutron.Results.Report;

public static class Heatmap
{
    public static string Draw(string name, string title, IReadOnlyList<string> rows, IReadOnlyList<string> columns,
        double[,] ratio, bool[,] marked, string[,] tips, Func<double, string>? colour = null, string? legend = null)
    {
        colour ??= Colour;
        const double left = 200, top = 60, cell = 34, right = 20, bottom = 40;
        double width = Math.Max(560, left + columns.Count * cell + right);
        double height = top + rows.Count * cell + bottom;
        var svg = new Svg(name, title, width, height);
        svg.Text(8, 18, title, weight: "bold", size: 13);
        for (int c = 0; c < columns.Count; c++)
            svg.Text(left + c * cell + cell / 2, top - 8, Charts.Shorten(columns[c], 10), anchor: "middle", size: 10, rotate: -30);
        for (int r = 0; r < rows.Count; r++)
        {
            svg.Text(left - 6, top + r * cell + cell * 0.6, Charts.Shorten(rows[r], 30), anchor: "end");
            for (int c = 0; c < columns.Count; c++)
            {
                string stroke = marked[r, c] ? " stroke=\"#000\" stroke-width=\"2.5\"" : " stroke=\"#fff\" stroke-width=\"1\"";
                svg.Rect(left + c * cell, top + r * cell, cell, cell, colour(ratio[r, c]), tips[r, c], stroke.Trim());
                if (double.IsFinite(ratio[r, c]))
                    svg.Text(left + c * cell + cell / 2, top + r * cell + cell * 0.62, ratio[r, c].ToString(ratio[r, c] >= 10 ? "0" : "0.0", System.Globalization.CultureInfo.InvariantCulture), anchor: "middle", size: 9);
            }
        }
        svg.Text(left, height - 14, legend ?? "cell: changed predictions landing in the class ÷ chance; outlined: sink (Holm-adjusted p < α, ratio ≥ 2)", size: 10);
        return svg.ToString();
    }

    /// <summary>A share in [0, 1]: white at 0, red at 1; grey for no data.</summary>
    public static string ShareColour(double share)
    {
        if (!double.IsFinite(share)) return "#dddddd";
        int gb = (int)(255 - Math.Clamp(share, 0, 1) * 200);
        return $"#ff{gb:x2}{gb:x2}";
    }

    /// <summary>White at 1, red above, blue below, saturating at ×8 and ÷8; grey for no data.</summary>
    public static string Colour(double ratio)
    {
        if (!double.IsFinite(ratio) || ratio < 0) return "#dddddd";
        double t = Math.Clamp(Math.Log2(Math.Max(ratio, 1.0 / 64)) / 3, -1, 1);
        int r = t > 0 ? 255 : (int)(255 + t * 200), g = (int)(255 - Math.Abs(t) * 200), b = t < 0 ? 255 : (int)(255 - t * 200);
        return $"#{Math.Clamp(r, 0, 255):x2}{Math.Clamp(g, 0, 255):x2}{Math.Clamp(b, 0, 255):x2}";
    }
}
