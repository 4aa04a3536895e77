// A minimal SVG writer for the report's charts: escaped text, rounded coordinates, invariant culture. It knows
// shapes, not charts (those are Charts.cs and Heatmap.cs). Output is inline SVG for HtmlReport, no scripts.
using System.Globalization;
using System.Net;
using System.Text;

namespace Neutron.Results.Report;

public sealed class Svg
{
    private readonly StringBuilder sb = new();

    public Svg(string name, string title, double width, double height)
    {
        Width = width;
        Height = height;
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-chart=\"{Esc(name)}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" role=\"img\">");
        sb.Append("<title>").Append(Esc(title)).Append("</title>");
    }

    public double Width { get; }
    public double Height { get; }

    public static string N(double v) => Math.Round(v, 2).ToString(CultureInfo.InvariantCulture);
    public static string Esc(string s) => WebUtility.HtmlEncode(s);

    public Svg Rect(double x, double y, double w, double h, string fill, string? title = null, string? extra = null)
    {
        sb.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, w))}\" height=\"{N(Math.Max(0, h))}\" fill=\"{fill}\"{(extra is null ? "" : " " + extra)}");
        if (title is null) sb.Append("/>");
        else sb.Append("><title>").Append(Esc(title)).Append("</title></rect>");
        return this;
    }

    public Svg Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        sb.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>");
        return this;
    }

    public Svg Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 2)
    {
        sb.Append("<polyline fill=\"none\" stroke=\"").Append(stroke).Append("\" stroke-width=\"").Append(N(width)).Append("\" points=\"");
        sb.AppendJoin(' ', points.Select(p => N(p.X) + "," + N(p.Y)));
        sb.Append("\"/>");
        return this;
    }

    public Svg Polygon(IEnumerable<(double X, double Y)> points, string fill, double opacity)
    {
        sb.Append("<polygon fill=\"").Append(fill).Append("\" fill-opacity=\"").Append(N(opacity)).Append("\" stroke=\"none\" points=\"");
        sb.AppendJoin(' ', points.Select(p => N(p.X) + "," + N(p.Y)));
        sb.Append("\"/>");
        return this;
    }

    public Svg Circle(double cx, double cy, double r, string fill, string? title = null)
    {
        sb.Append($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{fill}\"");
        if (title is null) sb.Append("/>");
        else sb.Append("><title>").Append(Esc(title)).Append("</title></circle>");
        return this;
    }

    /// <param name="anchor">start, middle or end</param>
    public Svg Text(double x, double y, string text, string anchor = "start", double size = 11, string fill = "#333", double rotate = 0, string weight = "normal")
    {
        sb.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\" font-weight=\"{weight}\"");
        if (rotate != 0) sb.Append($" transform=\"rotate({N(rotate)} {N(x)} {N(y)})\"");
        sb.Append('>').Append(Esc(text)).Append("</text>");
        return this;
    }

    public override string ToString() => sb + "</svg>";
}
