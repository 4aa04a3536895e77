// Critical Parameters: the stored weights (tensor, element) with at least one critical bit, either measured (an
// injected flip whose drop exceeds τ: a lower bound unless every bit was injected) or predicted (a row of
// `neutron predict --out` marked critical). The input of EccProtection.Critical.
using System.Globalization;
using Neutron.Faults;
using Neutron.Faults.Models;

namespace Neutron.Protection.Protection;

public static class CriticalParameters
{
    public static HashSet<(string Tensor, long Element)> FromOutcomes(IEnumerable<(Fault? Fault, double Drop)> outcomes, double tolerance)
    {
        var set = new HashSet<(string, long)>();
        foreach (var (f, drop) in outcomes)
            if (f is { Target: FaultTarget.Weight } && f.Model == FaultModel.Flip && drop > tolerance) set.Add((f.Tensor, f.Index));
        return set;
    }

    /// <summary>Reads a `fault,probability,critical` CSV; a FormatException names the line that is wrong.</summary>
    public static HashSet<(string Tensor, long Element)> FromPredictions(TextReader reader, out long rows)
    {
        string? header = reader.ReadLine();
        if (header?.Trim() != "fault,probability,critical")
            throw new FormatException($"the predictions start with '{header}', not the header fault,probability,critical");
        var set = new HashSet<(string, long)>();
        rows = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            rows++;
            if (line.Length == 0) continue;
            int last = line.LastIndexOf(','), middle = last > 0 ? line.LastIndexOf(',', last - 1) : -1;
            string flag = middle < 0 ? "" : line[(last + 1)..].Trim();
            if (middle < 0 || flag is not ("0" or "1") || !double.TryParse(line.AsSpan(middle + 1, last - middle - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                throw new FormatException($"predictions line {rows + 1}: '{line}' is not fault,probability,critical (critical 0 or 1)");
            if (flag == "0") continue;
            Fault f;
            try { f = Fault.Parse(line[..middle]); }
            catch (FaultException e) { throw new FormatException($"predictions line {rows + 1}: {e.Message}"); }
            set.Add((f.Tensor, f.Index));
        }
        return set;
    }
}
