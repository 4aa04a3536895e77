// neutron resume --db FILE: continues a stopped campaign (Campaign.Resume) after checking that the model is the one
// the campaign was made from (SHA-256). Settings come from the database; only how it runs may change (threads,
// batch, memory, --plain). A protected campaign applies its stored protection; an adaptive one replays its rounds.
using System.CommandLine;
using Neutron.Campaigns;
using Neutron.Cli.Options;
using Neutron.Cli.Printing;

namespace Neutron.Cli.Commands;

public static class ResumeCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the model, when it moved since the campaign started (must be the same file)" };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batch = new Option<int>("--batch") { Description = "faults per database transaction (a kill loses at most one batch)", DefaultValueFactory = _ => 64 };
        var plain = new Option<bool>("--plain") { Description = "re-run the whole network per fault (the slow oracle) instead of the accelerated path" };
        var memory = MemoryOption.Create();
        var command = new Command("resume", "Continue a stopped campaign") { db, modelPath, campaign, threads, batch, plain, memory };
        command.SetAction(parse =>
        {
            var options = new RunOptions
            {
                Threads = parse.GetValue(threads), Batch = parse.GetValue(batch), Plain = parse.GetValue(plain), MemoryBudget = MemoryOption.Parse(parse.GetValue(memory)),
            };
            using var resumed = Campaign.Resume(StoreOption.Location(parse.GetValue(db)!), parse.GetValue(campaign), options, parse.GetValue(modelPath)?.FullName);
            return CampaignConsole.Run(resumed, resumed.Store.Path);
        });
        return command;
    }
}
