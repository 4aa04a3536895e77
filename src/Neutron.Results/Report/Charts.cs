// The report's chart kinds, drawn from plain arrays into Svg: horizontal bars with interval whiskers (per layer,
// per bit), vertical category bars (histogram), and lines with optional bands (critical fraction against τ, trust
// against fault probability, BER curve). No interactivity; hover titles carry the exact numbers. Heatmap.cs is
// the fourth kind.
namespace Neutron.Results.Report;

public sealed record Series(string Name, (double X, double Y)[] Points, (double Lower, double Upper)[]? Band = null);

public static class Charts
{
    public static readonly string[] Palette =
        ["#3566a8", "#d0582a", "#2f8f4e", "#8e44ad", "#b8860b", "#17a2b8", "#c0392b", "#6c757d", "#e83e8c", "#20603d"];

    private const double Width = 760;

    /// <summary>One horizontal bar per row with its interval as a whisker; values are proportions in [0, 1].</summary>
    public static string IntervalBars(string name, string title, string axis, IReadOnlyList<string> labels,
        IReadOnlyList<double> values, IReadOnlyList<double> lower, IReadOnlyList<double> upper)
    {
        const double left = 200, right = 30, top = 30, rowH = 22, bottom = 40;
        double height = top + Math.Max(1, labels.Count) * rowH + bottom;
        var svg = new Svg(name, title, Width, height);
        svg.Text(8, 18, title, weight: "bold", size: 13);
        double max = Math.Max(1e-9, upper.Concat(values).DefaultIfEmpty(0).Max());
        max = max > 0.5 ? 1 : Math.Min(1, NiceCeil(max));
        var x = new Scale(0, max, left, Width - right);
        double plotBottom = top + labels.Count * rowH;
        Grid(svg, x, top, plotBottom, axis);
        for (int i = 0; i < labels.Count; i++)
        {
            double y = top + i * rowH;
            string tip = $"{labels[i]}: {Pct(values[i])} [{Pct(lower[i])}, {Pct(upper[i])}]";
            svg.Text(left - 6, y + rowH * 0.65, Shorten(labels[i], 30), anchor: "end");
            svg.Rect(left, y + 4, x[values[i]] - left, rowH - 8, Palette[0], tip);
            double mid = y + rowH / 2;
            svg.Line(x[lower[i]], mid, x[upper[i]], mid, "#222", 1.5);
            svg.Line(x[lower[i]], mid - 5, x[lower[i]], mid + 5, "#222", 1.5);
            svg.Line(x[upper[i]], mid - 5, x[upper[i]], mid + 5, "#222", 1.5);
        }
        return svg.ToString();
    }

    /// <summary>Vertical bars over categories (a histogram with labelled bins); counts on top of the bars.</summary>
    public static string CategoryBars(string name, string title, string xAxis, string yAxis, IReadOnlyList<string> labels, IReadOnlyList<double> values)
    {
        const double left = 70, right = 20, top = 34, bottom = 60, height = 320;
        var svg = new Svg(name, title, Width, height);
        svg.Text(8, 18, title, weight: "bold", size: 13);
        double max = Math.Max(1, values.DefaultIfEmpty(0).Max());
        var y = new Scale(0, NiceCeil(max), height - bottom, top);
        foreach (double t in y.Ticks())
        {
            svg.Line(left, y[t], Width - right, y[t], "#e3e3e3");
            svg.Text(left - 6, y[t] + 4, Scale.Label(t), anchor: "end");
        }
        double slot = (Width - left - right) / Math.Max(1, labels.Count);
        for (int i = 0; i < labels.Count; i++)
        {
            double x0 = left + i * slot;
            svg.Rect(x0 + slot * 0.1, y[values[i]], slot * 0.8, y[0] - y[values[i]], Palette[1], $"{labels[i]}: {values[i]}");
            svg.Text(x0 + slot / 2, y[values[i]] - 4, Scale.Label(values[i]), anchor: "middle", size: 10);
            svg.Text(x0 + slot / 2, height - bottom + 16, labels[i], anchor: "middle", size: 10);
        }
        svg.Line(left, y[0], Width - right, y[0], "#555");
        svg.Text((left + Width - right) / 2, height - 14, xAxis, anchor: "middle");
        svg.Text(16, (top + height - bottom) / 2, yAxis, anchor: "middle", rotate: -90);
        return svg.ToString();
    }

    /// <summary>Lines (with optional shaded bands) over a numeric x axis, linear or log10.</summary>
    public static string Lines(string name, string title, string xAxis, string yAxis, IReadOnlyList<Series> series,
        bool logX = false, double? yMin = null, double? yMax = null)
    {
        const double left = 70, right = 150, top = 34, bottom = 50, height = 340;
        var svg = new Svg(name, title, Width, height);
        svg.Text(8, 18, title, weight: "bold", size: 13);
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Where(v => !logX || v > 0).DefaultIfEmpty(logX ? 1 : 0).ToArray();
        var ys = series.SelectMany(s => s.Points.Select(p => p.Y).Concat(s.Band?.SelectMany(b => new[] { b.Lower, b.Upper }) ?? []))
            .Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double x0 = xs.Min(), x1 = xs.Max();
        if (x1 <= x0) x1 = logX ? x0 * 10 : x0 + 1;
        double y0 = yMin ?? ys.Min(), y1 = yMax ?? ys.Max();
        if (y1 <= y0) y1 = y0 + 1;
        var x = new Scale(x0, x1, left, Width - right, logX);
        var y = new Scale(y0, y1, height - bottom, top);
        foreach (double t in y.Ticks())
        {
            svg.Line(left, y[t], Width - right, y[t], "#e3e3e3");
            svg.Text(left - 6, y[t] + 4, Scale.Label(t), anchor: "end");
        }
        foreach (double t in x.Ticks(8))
        {
            svg.Line(x[t], top, x[t], height - bottom, "#eeeeee");
            svg.Text(x[t], height - bottom + 16, Scale.Label(t, logX), anchor: "middle", size: 10);
        }
        svg.Line(left, height - bottom, Width - right, height - bottom, "#555");
        svg.Line(left, top, left, height - bottom, "#555");
        for (int s = 0; s < series.Count; s++)
        {
            string colour = Palette[s % Palette.Length];
            var pts = series[s].Points;
            if (series[s].Band is { } band && band.Length == pts.Length && pts.Length > 0)
            {
                var upper = pts.Select((p, i) => (x[p.X], y[band[i].Upper]));
                var lower = pts.Select((p, i) => (x[p.X], y[band[i].Lower])).Reverse();
                svg.Polygon(upper.Concat(lower), colour, 0.18);
            }
            svg.Polyline(pts.Where(p => double.IsFinite(p.Y)).Select(p => (x[p.X], y[p.Y])), colour);
            foreach (var p in pts.Where(p => double.IsFinite(p.Y)))
                svg.Circle(x[p.X], y[p.Y], 2.5, colour, $"{series[s].Name}: x={Scale.Label(p.X, logX)}, y={Scale.Label(p.Y)}");
            double ly = top + 8 + s * 16;
            svg.Rect(Width - right + 12, ly - 8, 12, 10, colour);
            svg.Text(Width - right + 28, ly + 1, Shorten(series[s].Name, 18), size: 10);
        }
        svg.Text((left + Width - right) / 2, height - 12, xAxis, anchor: "middle");
        svg.Text(16, (top + height - bottom) / 2, yAxis, anchor: "middle", rotate: -90);
        return svg.ToString();
    }

    private static void Grid(Svg svg, Scale x, double top, double bottom, string axis)
    {
        foreach (double t in x.Ticks())
        {
            svg.Line(x[t], top, x[t], bottom, "#e3e3e3");
            svg.Text(x[t], bottom + 14, Pct(t), anchor: "middle", size: 10);
        }
        svg.Line(x[0], top, x[0], bottom, "#555");
        svg.Text(x[(x.Min + x.Max) / 2], bottom + 30, axis, anchor: "middle");
    }

    public static string Pct(double p) => double.IsFinite(p) ? (100 * p).ToString(p < 0.001 && p > 0 ? "0.###" : "0.##", System.Globalization.CultureInfo.InvariantCulture) + " %" : "n/a";

    public static string Shorten(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];

    private static double NiceCeil(double v)
    {
        if (v <= 0) return 1;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 }) if (m * mag >= v) return m * mag;
        return 10 * mag;
    }
}
