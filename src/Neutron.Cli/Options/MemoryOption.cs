// `--memory SIZE`: the golden cache budget of the accelerated runner (RunnerOptions.MemoryBudget), shared by
// campaign, resume and bench campaign. Sizes in bytes with an optional binary unit: 512MiB, 2GiB, 2G, 1500M.
using System.CommandLine;
using System.Globalization;

namespace Neutron.Cli.Options;

internal static class MemoryOption
{
    public const long Default = 1L << 30;

    public static Option<string> Create() => new("--memory")
    {
        Description = "golden cache budget of the accelerated runner (e.g. 512MiB, 2GiB); past it the images are cached in groups, each recomputed per batch of faults",
        DefaultValueFactory = _ => "1GiB",
    };

    public static long Parse(string? text)
    {
        var s = (text ?? "").Trim();
        int end = 0;
        while (end < s.Length && (char.IsDigit(s[end]) || s[end] == '.')) end++;
        long unit = s[end..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => 0,
        };
        if (unit == 0 || !double.TryParse(s[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
            throw new UserError($"--memory '{text}' is not a size", "give bytes with a unit, e.g. --memory 512MiB or --memory 2GiB");
        return (long)Math.Min(value * unit, long.MaxValue / 2);
    }
}
