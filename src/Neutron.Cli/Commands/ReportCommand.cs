// neutron report --db FILE -o report.html [--taxonomy T.yaml] [--export DIR]: the self-contained HTML report of one
// stored campaign (and of the BER sweep stored beside it), with every chart's data as CSV and JSON.
using System.CommandLine;
using Neutron.Analysis.Taxonomy;
using Neutron.Results.Report;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class ReportCommand
{
    public static Command Create()
    {
        var db = new Option<FileInfo>("--db") { Description = "campaign database (SQLite)", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "HTML file to write", DefaultValueFactory = _ => new FileInfo("report.html") };
        var taxonomy = new Option<FileInfo?>("--taxonomy") { Description = "class taxonomy YAML for the SCM table (see samples/taxonomy-fashion-mnist.yaml)" };
        var export = new Option<DirectoryInfo?>("--export") { Description = "folder for the CSV/JSON exports (default: <report>_files beside the report)" };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id when the database holds several" };
        var p = new Option<double>("--fault-probability") { Description = "fault probability for the trust table", DefaultValueFactory = _ => 0.5 };
        var command = new Command("report", "Write an HTML report (inline SVG, no network) and CSV/JSON exports of a campaign") { db, output, taxonomy, export, campaign, p };
        command.SetAction(parse =>
        {
            using var store = CampaignStore.Open(parse.GetValue(db)!.FullName, create: false);
            var data = CampaignDataLoader.Load(store, parse.GetValue(campaign), s => Campaigns.CampaignHost.Rebuild(s));
            var tax = parse.GetValue(taxonomy) is { } t ? ClassTaxonomy.Load(t.FullName) : null;
            tax?.CheckClassCount(data.ClassCount);
            if (tax is not null && data.ClassNames.Count == 0) data = data.WithClassNames(tax.Classes);
            var input = new ReportInput(data)
            {
                Taxonomy = tax,
                Ber = BerTable.Latest(store),
                FaultProbability = TrustCommand.CheckProbability(parse.GetValue(p)),
                Generated = DateTimeOffset.UtcNow,
            };
            string html = parse.GetValue(output)!.FullName;
            var files = HtmlReport.Write(input, html, parse.GetValue(export)?.FullName);
            Console.WriteLine($"wrote {html} and {files.Count} export files in {Path.GetDirectoryName(files[0])}");
            return 0;
        });
        return command;
    }
}
