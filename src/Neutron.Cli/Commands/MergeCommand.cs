// neutron merge --db OUT SHARD.db...: joins the shard databases of one campaign (ShardMerger refuses shards of
// different campaigns, naming the first setting that differs).
using System.CommandLine;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class MergeCommand
{
    public static Command Create()
    {
        var db = new Option<FileInfo>("--db") { Description = "merged database to write (or add to)", Required = true };
        var shards = new Argument<FileInfo[]>("SHARD") { Description = "shard databases", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Join shard databases of one campaign") { db, shards };
        command.SetAction(parse =>
        {
            var inputs = parse.GetValue(shards)!.Select(f => f.FullName).ToList();
            string output = parse.GetValue(db)!.FullName;
            long id = ShardMerger.Merge(output, inputs);
            using var store = CampaignStore.Open(output, create: false);
            var settings = store.Settings(id);
            Console.Error.WriteLine($"merged {inputs.Count} databases into '{output}': {store.OutcomeCount(id):N0} of {settings.PlanSize:N0} faults, shard {settings.Shard}");
            return 0;
        });
        return command;
    }
}
