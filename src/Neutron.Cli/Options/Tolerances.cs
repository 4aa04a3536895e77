// The tolerance τ of critical(τ) (accuracy drop above τ percentage points), as every command reads it: one value, a
// list "0.5,1,2" or a range "LO:HI:STEP". Each τ must be finite and in [0, 100); anything else is a usage error.
using System.Globalization;

namespace Neutron.Cli.Options;

public static class Tolerances
{
    /// <summary>The τ values of <paramref name="text"/> in the order given; empty when the option was not given.</summary>
    public static double[] Parse(string? text, string option)
    {
        if (text is null) return [];
        const string hint = "e.g. 1, a list 0.5,1,2 or a range 0.5:10:0.5 (percentage points of accuracy)";
        var range = text.Split(':', StringSplitOptions.TrimEntries);
        if (range.Length == 3)
        {
            double lo = One(range[0], option), hi = One(range[1], option), step = Number(range[2], option);
            if (!(step > 0) || hi < lo || (hi - lo) / step > 1000)
                throw new UserError($"{option} {text}: a range is LO:HI:STEP with LO ≤ HI, STEP > 0 and at most 1,000 values", hint);
            var values = new List<double>();
            for (int i = 0; lo + i * step <= hi + 1e-9; i++) values.Add(Math.Round(lo + i * step, 9));
            return [.. values];
        }
        if (range.Length != 1) throw new UserError($"{option} '{text}' is not a number, a list or a range", hint);
        return text.Split(',', StringSplitOptions.TrimEntries).Select(t => One(t, option)).Distinct().ToArray();
    }

    /// <summary>One τ, checked.</summary>
    public static double Check(double tau, string option) =>
        tau >= 0 && tau < 100 ? tau
        : throw new UserError($"{option} {tau.ToString(CultureInfo.InvariantCulture)} must lie in [0, 100) percentage points", "e.g. 1 (critical = accuracy drop above 1 percentage point)");

    static double One(string text, string option) => Check(Number(text, option), option);

    static double Number(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
        : throw new UserError($"{option} '{text}' is not a finite number", "e.g. 1 or 0.5,1,2");
}
