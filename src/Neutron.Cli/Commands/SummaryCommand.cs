// neutron summary --db FILE: the campaign's settings, golden accuracy, and tables per layer (tensor), per node
// (a Conv's weight and bias together), per bit and overall, with the SDC-fault rate (faults with ≥ 1 changed top-1)
// and the critical rate (drop > τ percentage points). A row within one stratum (or of an unstratified plan) is a
// uniform sample: Wilson 95 %. A row spanning strata of a stratified plan (the overall row, per-bit rows of a
// per-layer plan, …) is weighted by stratum sizes: StratifiedEstimate, marked `*`. Stratum sizes come from the
// model; without it those rows are printed unweighted and say so.
using System.CommandLine;
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Analysis.Statistics;
using Neutron.Cli.Campaigns;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Results.Store;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Neutron.Cli.Commands;

public static class SummaryCommand
{
    public static Command Create()
    {
        var db = new Option<FileInfo>("--db") { Description = "campaign database", Required = true };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var tolerance = new Option<double?>("--tolerance") { Description = "critical(τ): accuracy drop above τ percentage points (default: an adaptive plan's own τ, else 1.0)" };
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the model, when it moved since the campaign (for stratum sizes and node names)" };
        var command = new Command("summary", "Per-layer and per-bit vulnerability tables of a campaign") { db, campaign, tolerance, modelPath };
        command.SetAction(parse =>
        {
            using var store = CampaignStore.Open(parse.GetValue(db)!.FullName, create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            PlanSpec? plan = ParsePlan(s.Planner);
            double tau = parse.GetValue(tolerance) ?? (plan is AdaptivePlan a ? a.Tolerance : 1.0);
            var rows = store.Outcomes(id).Select(r => (Row: r, Fault: Fault.Parse(r.Fault))).ToList();
            var golden = store.Golden(id);
            int goldenCorrect = golden.Count(g => g.Top1 == g.Label);

            // Plain lines: long paths must not wrap at the console width.
            Console.WriteLine($"campaign {id}: {s.ModelPath} (sha256 {s.ModelSha256[..Math.Min(12, s.ModelSha256.Length)]}…)");
            Console.WriteLine($"data {s.DataSpec}, {s.Images} images, golden accuracy {(golden.Count == 0 ? 0 : (double)goldenCorrect / golden.Count):P2}");
            Console.WriteLine($"{s.Target}, {s.FaultModel}, weights {s.Format}, datapath {s.Datapath}, plan {s.Planner}, seed {s.Seed}, shard {s.Shard}, kernels {s.KernelSet}");
            Console.WriteLine($"{rows.Count:N0} of {store.FaultCount(id):N0} faults run{(s.Shard == "1/1" ? "" : $" (plan: {s.PlanSize:N0})")}; critical = drop > {tau.ToString(CultureInfo.InvariantCulture)} pp; intervals: Wilson 95 %");
            if (rows.Count == 0) return 0;
            if (Console.IsOutputRedirected)
            {
                AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 132); // files and pipes: no wrapping
                AnsiConsole.Profile.Capabilities.Ansi = false; // and no colour codes
            }

            var per = plan switch
            {
                StratifiedPlan p => p.Per,
                StatisticalPlan p => p.Per,
                AdaptivePlan p => p.Per,
                _ => Stratification.None,
            };
            var model = Model(parse.GetValue(modelPath)?.FullName ?? s.ModelPath, s);
            var strata = per == Stratification.None || model is null ? null
                : Strata.Of(CampaignHost.SpaceOf(model.Value.Sites, s), per).ToDictionary(x => x.Name, x => x.Size);
            string StratumOf(Fault f) => per switch
            {
                Stratification.Layer => f.Tensor,
                Stratification.Bit => $"bit {f.Bit}",
                Stratification.LayerBit => $"{f.Tensor} bit {f.Bit}",
                _ => "all",
            };
            var table = new RateTable(tau, per == Stratification.None ? null : StratumOf, strata);

            AnsiConsole.Write(table.Render("per layer (tensor)", "layer", rows.GroupBy(r => r.Fault.Tensor).Select(g => (g.Key, g.ToList()))));
            if (model?.Nodes is { } nodes && rows.Select(r => r.Fault.Tensor).Distinct().GroupBy(t => nodes.GetValueOrDefault(t, t)).Any(g => g.Count() > 1))
                AnsiConsole.Write(table.Render("per node (weight and bias together)", "node", rows.GroupBy(r => nodes.GetValueOrDefault(r.Fault.Tensor, r.Fault.Tensor)).Select(g => (g.Key, g.ToList()))));
            AnsiConsole.Write(table.Render("per bit", "bit", rows.GroupBy(r => r.Fault.Bit).OrderByDescending(g => g.Key)
                .Select(g => (g.Key.ToString(CultureInfo.InvariantCulture), g.ToList()))));
            AnsiConsole.Write(table.Render("overall", "", [("all", rows)]));
            if (plan is AdaptivePlan adaptive) PrintStopping(adaptive, rows.Select(r => (StratumOf(r.Fault), r.Row.Drop)), strata);
            if (table.AnyWeighted) Console.WriteLine($"* weighted by stratum sizes (plan {s.Planner}: strata sampled at different rates): stratified estimate, Wilson 95 % at the effective sample size");
            if (table.AnyUnweighted)
                Console.WriteLine($"! unweighted over injected faults although they span strata sampled at different rates: the model ({s.ModelPath}) "
                    + "is needed for the stratum sizes; give it with --model-path");
            return 0;
        });
        return command;
    }

    /// <summary>The stored plan; null for a fault list or a notation this version does not know (then unstratified).</summary>
    static PlanSpec? ParsePlan(string planner)
    {
        if (planner.StartsWith("faults:", StringComparison.Ordinal)) return null;
        try { return PlanSpec.Parse(planner); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>Where each stratum of an adaptive plan stopped: critical(τ of the plan) of n, and the Jeffreys credible
    /// interval at the plan's level that the stopping rule read.</summary>
    static void PrintStopping(AdaptivePlan plan, IEnumerable<(string Stratum, double Drop)> rows, Dictionary<string, long>? sizes)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"adaptive stopping (critical = drop > {plan.Tolerance} pp, Jeffreys {100 * plan.Level}% credible interval, target ±{100 * plan.Margin} pp):"));
        foreach (var g in rows.GroupBy(r => r.Stratum))
        {
            long n = g.Count(), k = g.Count(r => r.Drop > plan.Tolerance);
            var j = Intervals.Jeffreys(k, n, plan.Level);
            long total = sizes?.GetValueOrDefault(g.Key) ?? 0;
            string of = total > 0 ? string.Create(inv, $" (of {total:N0})") : "";
            Console.WriteLine(total > 0 && n >= total
                ? string.Create(inv, $"  {g.Key}: {k:N0}/{n:N0} critical = {100.0 * k / n:F2}%, exhausted: exact")
                : string.Create(inv, $"  {g.Key}: {k:N0}/{n:N0}{of} critical = {100.0 * k / n:F2}% [{100 * j.Lower:F2}–{100 * j.Upper:F2}], ±{100 * j.HalfWidth:F2} pp"));
        }
    }

    /// <summary>The model's sites and tensor → node names, when the campaign's model is at hand (same SHA-256).</summary>
    static (Neutron.Faults.Sites.SiteCatalog Sites, Dictionary<string, string> Nodes)? Model(string path, CampaignSettings s)
    {
        if (!File.Exists(path) || CampaignHost.Sha256(path) != s.ModelSha256) return null;
        var sites = CampaignHost.LoadSites(path, NumberFormat.Parse(s.Format), NumberFormat.Parse(s.Datapath));
        var nodes = sites.Weights.Concat(sites.Activations).GroupBy(x => x.Tensor).ToDictionary(g => g.Key, g => g.First().Layer, StringComparer.Ordinal);
        return (sites, nodes);
    }

    sealed class RateTable(double tau, Func<Fault, string>? stratumOf, Dictionary<string, long>? sizes)
    {
        public bool AnyWeighted { get; private set; }
        public bool AnyUnweighted { get; private set; }

        public Table Render(string title, string key, IEnumerable<(string Key, List<(OutcomeRow Row, Fault Fault)> Rows)> groups)
        {
            var table = new Table { Title = new TableTitle(title) }.RoundedBorder();
            table.AddColumn(key);
            foreach (var c in new[] { "faults", "SDC", "SDC % [95 % CI]", "critical", "critical % [95 % CI]", "NaN/Inf", "mean drop pp" })
                table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
            foreach (var (name, rows) in groups)
            {
                int n = rows.Count, sdc = rows.Count(r => r.Row.Sdc > 0), critical = rows.Count(r => r.Row.Drop > tau), nonFinite = rows.Count(r => r.Row.NonFinite > 0);
                string sdcRate = Rate(sdc, n), criticalRate = Rate(critical, n);
                string meanDrop = rows.Average(r => r.Row.Drop).ToString("F3", CultureInfo.InvariantCulture);
                var byStratum = stratumOf is null ? null : rows.GroupBy(r => stratumOf(r.Fault)).ToList();
                if (byStratum is { Count: > 1 })
                {
                    if (sizes is not null && byStratum.All(g => sizes.ContainsKey(g.Key)))
                    {
                        sdcRate = Weighted(byStratum, r => r.Sdc > 0);
                        criticalRate = Weighted(byStratum, r => r.Drop > tau);
                        double total = byStratum.Sum(g => (double)sizes[g.Key]);
                        meanDrop = byStratum.Sum(g => sizes[g.Key] / total * g.Average(r => r.Row.Drop)).ToString("F3", CultureInfo.InvariantCulture) + " *";
                        AnyWeighted = true;
                    }
                    else
                    {
                        sdcRate += " !";
                        criticalRate += " !";
                        AnyUnweighted = true;
                    }
                }
                string[] cells = [name, n.ToString("N0", CultureInfo.InvariantCulture), sdc.ToString("N0", CultureInfo.InvariantCulture), sdcRate,
                    critical.ToString("N0", CultureInfo.InvariantCulture), criticalRate, nonFinite.ToString("N0", CultureInfo.InvariantCulture),
                    meanDrop];
                table.AddRow(cells.Select(c => (IRenderable)new Text(c)));
            }
            return table;
        }

        string Weighted(List<IGrouping<string, (OutcomeRow Row, Fault Fault)>> byStratum, Func<OutcomeRow, bool> success)
        {
            var counts = byStratum.Select(g => new StratumCount(sizes![g.Key], g.Count(), g.Count(r => success(r.Row)))).ToList();
            var r = StratifiedEstimate.Of(counts);
            return string.Create(CultureInfo.InvariantCulture, $"{100 * r.Estimate:F2} [{100 * r.Interval.Lower:F2}–{100 * r.Interval.Upper:F2}] *");
        }

        static string Rate(int k, int n)
        {
            var w = Intervals.Wilson(k, n);
            return string.Create(CultureInfo.InvariantCulture, $"{100.0 * k / n:F2} [{100 * w.Lower:F2}–{100 * w.Upper:F2}]");
        }
    }
}
