// neutron copy --from STORE --to STORE [--campaign ID]: one campaign from a PostgreSQL server into an SQLite file (to
// take it offline or share it) or back, with everything it stored (StoreCopy). Copying again adds only what is new.
using System.CommandLine;
using Neutron.Cli.Options;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class CopyCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "the store to read: an SQLite file or postgresql://USER@HOST[:PORT]/DB", Required = true };
        var to = new Option<string>("--to") { Description = "the store to write (created when new): an SQLite file or postgresql://USER@HOST[:PORT]/DB", Required = true };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the source holds several" };
        var command = new Command("copy", "Copy a campaign between stores (PostgreSQL ↔ SQLite file)") { from, to, campaign };
        command.SetAction(parse =>
        {
            string source = StoreOption.Location(parse.GetValue(from)!), target = StoreOption.Location(parse.GetValue(to)!);
            if (source == target) throw new UserError("--from and --to name the same store", "copy into another file or server");
            using var input = CampaignStore.Open(source, create: false);
            long id = input.SingleCampaign(parse.GetValue(campaign));
            using var output = CampaignStore.Open(target, create: true);
            var (copied, added) = StoreCopy.Copy(input, id, output);
            Console.WriteLine($"campaign {id} of '{input.Path}' is campaign {copied} of '{output.Path}': {output.FaultCount(copied):N0} faults, "
                + $"{output.OutcomeCount(copied):N0} outcomes ({added:N0} new)");
            return 0;
        });
        return command;
    }
}
