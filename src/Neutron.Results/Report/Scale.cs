// Axis scales for the report's charts: linear or log10 maps from data to pixels, with "nice" tick values.
// Pure arithmetic; drawing the axes is in Charts.cs.
using System.Globalization;

namespace Neutron.Results.Report;

public sealed class Scale(double min, double max, double from, double to, bool log = false)
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public bool Log { get; } = log;

    public double this[double v]
    {
        get
        {
            double a = Log ? Math.Log10(Min) : Min, b = Log ? Math.Log10(Max) : Max;
            double x = Log ? Math.Log10(Math.Max(v, Min)) : v;
            return b == a ? (from + to) / 2 : from + (x - a) / (b - a) * (to - from);
        }
    }

    /// <summary>About <paramref name="count"/> round tick values (1, 2, 5 × 10^k), or the decades on a log scale.</summary>
    public IReadOnlyList<double> Ticks(int count = 5)
    {
        var ticks = new List<double>();
        if (Log)
        {
            for (double d = Math.Floor(Math.Log10(Min)); d <= Math.Ceiling(Math.Log10(Max)) + 1e-9; d++)
            {
                double v = Math.Pow(10, d);
                if (v >= Min * (1 - 1e-9) && v <= Max * (1 + 1e-9)) ticks.Add(v);
            }
            return ticks;
        }
        double span = Max - Min;
        if (!(span > 0)) return [Min];
        double raw = span / count, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        for (double v = Math.Ceiling(Min / step) * step; v <= Max + step * 1e-9; v += step) ticks.Add(Math.Abs(v) < step * 1e-9 ? 0 : v);
        return ticks;
    }

    public static string Label(double v, bool log = false)
    {
        if (log) return v.ToString("0.#E+0", CultureInfo.InvariantCulture);
        return Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 0.001) ? v.ToString("0.##E+0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
