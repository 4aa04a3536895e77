// `--plan importance:...`: measures the model's gradient sensitivity on the campaign's images and draws the plan
// (Neutron.Analysis ImportanceScores), turning a model autodiff cannot differentiate into a user error. Every fault
// keeps its p and q, which the store records with the fault list.
using System.Diagnostics;
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Engine;
using Neutron.Engine.Onnx;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Cli.Campaigns;

public static class ImportanceHost
{
    public static (IReadOnlyList<PlannedFault> Faults, IReadOnlyDictionary<long, (double P, double Q)> Weights) Plan(
        FaultSpace space, ImportancePlan plan, ulong seed, FaultRunner runner, string modelPath)
    {
        var clock = Stopwatch.StartNew();
        ImportancePlanResult drawn;
        try { drawn = ImportanceScores.Plan(space, plan, seed, runner, OnnxReader.Load(modelPath)); }
        catch (ModelException e)
        {
            throw new UserError($"an importance plan needs the gradients of '{modelPath}', and autodiff cannot take them: {e.Message}",
                "use another plan, e.g. --plan random:1000; docs/campaigns.md lists the operators autodiff supports", ExitCodes.ModelOrData);
        }
        catch (ArgumentException e)
        {
            throw new UserError(e.Message, "use another plan for these sites, e.g. --plan random:1000", ExitCodes.ModelOrData);
        }
        var d = drawn.Distribution;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"importance plan: gradient sensitivity ({plan.Score.ToString().ToLowerInvariant()} loss) on {runner.Data.Count:N0} images in {clock.Elapsed.TotalSeconds:F1} s; score cap {drawn.Cap:G4}; uniform share α = {d.Alpha}; {drawn.Faults.Length:N0} faults drawn from {d.Size:N0} positions"));
        var weights = new Dictionary<long, (double, double)>(drawn.Draws.Length);
        for (int i = 0; i < drawn.Draws.Length; i++) weights[drawn.Faults[i].Index] = (drawn.Draws[i].P, drawn.Draws[i].Q);
        return (drawn.Faults, weights);
    }
}
