// neutron report --db FILE -o report.html [--taxonomy T.yaml] [--export DIR]: the self-contained HTML report of one
// stored campaign (and of the BER sweep stored beside it), with every chart's data as CSV and JSON.
using System.CommandLine;
using Neutron.Cli.Options;
using Neutron.Analysis.Taxonomy;
using Neutron.Results.Report;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class ReportCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var output = new Option<FileInfo>("--output", "-o") { Description = "HTML file to write", DefaultValueFactory = _ => new FileInfo("report.html") };
        var taxonomy = new Option<FileInfo?>("--taxonomy") { Description = "class taxonomy YAML for the SCM table (see samples/taxonomy-fashion-mnist.yaml)" };
        var export = new Option<DirectoryInfo?>("--export") { Description = "folder for the CSV/JSON exports (default: <report>_files beside the report)" };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id when the database holds several" };
        var p = new Option<double>("--fault-probability") { Description = "fault probability for the trust table", DefaultValueFactory = _ => 0.5 };
        var tolerance = new Option<double>("--tolerance") { Description = "critical(τ): accuracy drop above τ percentage points", DefaultValueFactory = _ => 1.0 };
        var criticalTarget = new Option<double?>("--critical-target") { Description = "largest acceptable critical-fault rate in %, for the verdict (e.g. 1)" };
        var fit = new Option<double?>("--fit-per-mbit") { Description = "raw upset rate of the weight memory in FIT per Mbit, for the FIT verdict (needs a flip campaign over every weight bit)" };
        var fitTarget = new Option<double>("--fit-target") { Description = "FIT budget of the model's critical failures (ISO 26262 ASIL D: 10)", DefaultValueFactory = _ => Neutron.Analysis.Ber.FitEstimate.AsilDTarget };
        var protectedDbs = new Option<FileInfo[]>("--protected") { Description = "databases of campaigns run under a protection (campaign --protect): points of the Pareto front", AllowMultipleArgumentsPerToken = true };
        var skip = new Option<string?>("--skip") { Description = $"sections to leave out, comma-separated: {string.Join(", ", ReportSections.Ids)}" };
        var command = new Command("report", "Write an HTML report (inline SVG, no network) and CSV/JSON exports of a campaign")
            { db, output, taxonomy, export, campaign, p, tolerance, criticalTarget, fit, fitTarget, protectedDbs, skip };
        command.SetAction(parse =>
        {
            double tau = Options.Tolerances.Check(parse.GetValue(tolerance), "--tolerance");
            var skipped = (parse.GetValue(skip) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            if (skipped.FirstOrDefault(x => !ReportSections.Ids.Contains(x)) is { } unknown)
                throw new UserError($"--skip: '{unknown}' is not a section", $"sections: {string.Join(", ", ReportSections.Ids)}");
            if (parse.GetValue(criticalTarget) is { } ct && !(ct > 0 && ct <= 100))
                throw new UserError($"--critical-target {ct.ToString(System.Globalization.CultureInfo.InvariantCulture)} must lie in (0, 100] %", "e.g. --critical-target 1");
            if (parse.GetValue(fit) is { } fv && !(fv >= 0 && double.IsFinite(fv)))
                throw new UserError($"--fit-per-mbit {fv.ToString(System.Globalization.CultureInfo.InvariantCulture)} must be a finite number ≥ 0", "e.g. --fit-per-mbit 1000");
            if (!(parse.GetValue(fitTarget) > 0 && double.IsFinite(parse.GetValue(fitTarget))))
                throw new UserError("--fit-target must be a finite number > 0", "e.g. --fit-target 10 (ASIL D)");
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            var data = Neutron.Campaigns.CampaignDescriptions.Load(store, parse.GetValue(campaign));
            var others = parse.GetValue(protectedDbs) ?? [];
            if (others.FirstOrDefault(f => !f.Exists) is { } missing)
                throw new UserError($"--protected '{missing.FullName}' not found", "give the database of a campaign run with --protect", ExitCodes.ModelOrData);
            var criticality = CriticalityInput.Load(store, store.SingleCampaign(parse.GetValue(campaign)), data, tau, others.Select(f => f.FullName),
                s => Neutron.Campaigns.CampaignDescriptions.Rebuild(s));
            var tax = parse.GetValue(taxonomy) is { } t ? ClassTaxonomy.Load(t.FullName) : null;
            tax?.CheckClassCount(data.ClassCount);
            if (tax is not null && data.ClassNames.Count == 0) data = data.WithClassNames(tax.Classes);
            var input = new ReportInput(data)
            {
                Taxonomy = tax,
                Ber = BerTable.Latest(store),
                FaultProbability = TrustCommand.CheckProbability(parse.GetValue(p)),
                Generated = DateTimeOffset.UtcNow,
                Tolerance = tau,
                CriticalTarget = parse.GetValue(criticalTarget) / 100,
                FitPerMbit = parse.GetValue(fit),
                FitTarget = parse.GetValue(fitTarget),
                Skip = skipped,
                Criticality = criticality,
            };
            string html = parse.GetValue(output)!.FullName;
            var files = HtmlReport.Write(input, html, parse.GetValue(export)?.FullName);
            Console.WriteLine($"wrote {html} and {files.Count} export files in {Path.GetDirectoryName(files[0])}");
            return 0;
        });
        return command;
    }
}
