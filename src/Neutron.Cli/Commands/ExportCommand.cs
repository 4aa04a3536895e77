// neutron export --db FILE --csv OUT | --json OUT: one row per fault (fault text, images, golden_correct,
// faulty_correct, sdc, nonfinite, drop). The writers are Neutron.Results.Export.OutcomeExport.
using System.CommandLine;
using Neutron.Cli.Options;
using Neutron.Results.Export;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var csv = new Option<FileInfo?>("--csv") { Description = "write CSV here" };
        var json = new Option<FileInfo?>("--json") { Description = "write JSON (with the campaign settings) here" };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var command = new Command("export", "Export a campaign's outcomes, one row per fault") { db, csv, json, campaign };
        command.SetAction(parse =>
        {
            var csvFile = parse.GetValue(csv);
            var jsonFile = parse.GetValue(json);
            if (csvFile is null && jsonFile is null) throw new UserError("say where to export", "add --csv OUT.csv or --json OUT.json");
            foreach (var file in new[] { csvFile, jsonFile })
                if (file?.Directory is { Exists: false } folder)
                    throw new UserError($"cannot write '{file.FullName}': folder '{folder.FullName}' does not exist", "create the folder first, or write elsewhere", ExitCodes.Storage);
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            if (csvFile is not null) Console.Error.WriteLine($"{OutcomeExport.WriteCsv(store, id, csvFile.FullName):N0} faults → {csvFile.FullName}");
            if (jsonFile is not null) Console.Error.WriteLine($"{OutcomeExport.WriteJson(store, id, jsonFile.FullName):N0} faults → {jsonFile.FullName}");
            return 0;
        });
        return command;
    }
}
