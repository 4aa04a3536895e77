// neutron summary --db FILE: the campaign's settings, golden accuracy, and tables per layer (fault site) and per
// bit with Wilson 95 % intervals of the SDC-fault rate (faults with ≥ 1 changed top-1) and the critical rate
// (drop > τ percentage points), plus the overall rates. Rates are over injected faults, unweighted: with a
// stratified plan the overall row mixes strata sampled at different rates (the report weights them).
using System.CommandLine;
using System.Globalization;
using Neutron.Analysis.Statistics;
using Neutron.Faults;
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
        var tolerance = new Option<double>("--tolerance") { Description = "critical(τ): accuracy drop above τ percentage points", DefaultValueFactory = _ => 1.0 };
        var command = new Command("summary", "Per-layer and per-bit vulnerability tables of a campaign") { db, campaign, tolerance };
        command.SetAction(parse =>
        {
            using var store = CampaignStore.Open(parse.GetValue(db)!.FullName, create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            double tau = parse.GetValue(tolerance);
            var rows = store.Outcomes(id).Select(r => (Row: r, Fault: Fault.Parse(r.Fault))).ToList();
            var golden = store.Golden(id);
            int goldenCorrect = golden.Count(g => g.Top1 == g.Label);

            // Plain lines: long paths must not wrap at the console width.
            Console.WriteLine($"campaign {id}: {s.ModelPath} (sha256 {s.ModelSha256[..Math.Min(12, s.ModelSha256.Length)]}…)");
            Console.WriteLine(($"data {s.DataSpec}, {s.Images} images, golden accuracy {(golden.Count == 0 ? 0 : (double)goldenCorrect / golden.Count):P2}"));
            Console.WriteLine(($"{s.Target}, {s.FaultModel}, {s.Format}, plan {s.Planner}, seed {s.Seed}, shard {s.Shard}, kernels {s.KernelSet}"));
            Console.WriteLine(($"{rows.Count:N0} of {store.FaultCount(id):N0} faults run{(s.Shard == "1/1" ? "" : $" (plan: {s.PlanSize:N0})")}; critical = drop > {tau.ToString(CultureInfo.InvariantCulture)} pp; intervals: Wilson 95 %"));
            if (rows.Count == 0) return 0;
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 132); // files and pipes: no wrapping

            AnsiConsole.Write(Table("per layer", "layer", rows.GroupBy(r => r.Fault.Tensor).Select(g => (g.Key, g.Select(x => x.Row).ToList())), tau));
            AnsiConsole.Write(Table("per bit", "bit", rows.GroupBy(r => r.Fault.Bit).OrderByDescending(g => g.Key)
                .Select(g => (g.Key.ToString(CultureInfo.InvariantCulture), g.Select(x => x.Row).ToList())), tau));
            AnsiConsole.Write(Table("overall", "", [("all", rows.Select(x => x.Row).ToList())], tau));
            return 0;
        });
        return command;
    }

    static Table Table(string title, string key, IEnumerable<(string Key, List<OutcomeRow> Rows)> groups, double tau)
    {
        var table = new Table { Title = new TableTitle(title) }.RoundedBorder();
        table.AddColumn(key);
        foreach (var c in new[] { "faults", "SDC", "SDC % [95 % CI]", "critical", "critical % [95 % CI]", "NaN/Inf", "mean drop pp" })
            table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        foreach (var (name, rows) in groups)
        {
            int n = rows.Count, sdc = rows.Count(r => r.Sdc > 0), critical = rows.Count(r => r.Drop > tau), nonFinite = rows.Count(r => r.NonFinite > 0);
            string[] cells = [name, n.ToString("N0", CultureInfo.InvariantCulture), sdc.ToString("N0", CultureInfo.InvariantCulture), Rate(sdc, n),
                critical.ToString("N0", CultureInfo.InvariantCulture), Rate(critical, n), nonFinite.ToString("N0", CultureInfo.InvariantCulture),
                rows.Average(r => r.Drop).ToString("F3", CultureInfo.InvariantCulture)];
            table.AddRow(cells.Select(c => (IRenderable)new Text(c)));
        }
        return table;
    }

    static string Rate(int k, int n)
    {
        var w = Intervals.Wilson(k, n);
        return string.Create(CultureInfo.InvariantCulture, $"{100.0 * k / n:F2} [{100 * w.Lower:F2}–{100 * w.Upper:F2}]");
    }
}
