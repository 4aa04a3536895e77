// neutron resume --db FILE: continues a stopped campaign from its stored fault list, after checking that the model
// is the one the campaign was made from (SHA-256). Settings come from the database; only the threads may change.
// A campaign run under a protection applies the one stored with it. An adaptive campaign rebuilds its fault space from the stored target, fault model and filters and replays its rounds.
using System.CommandLine;
using Neutron.Cli.Options;
using Neutron.Analysis.Planning;
using Neutron.Cli.Campaigns;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Results.Store;

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
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var settings = store.Settings(id);
            var runner = StoredRunner.Load(store, id, parse.GetValue(modelPath)?.FullName, parse.GetValue(threads), parse.GetValue(batch), parse.GetValue(plain), MemoryOption.Parse(parse.GetValue(memory)));
            if (settings.Planner.StartsWith("adaptive", StringComparison.Ordinal))
                return AdaptiveHost.Execute(store, id, runner, Adaptive(runner, settings));
            var protection = settings.Protection.Length == 0 ? null : CampaignHost.ParseProtection(settings.Protection, "stored with the campaign");
            return CampaignHost.Execute(store, id, runner, CampaignHost.StoredPlan(store, id), protection);
        });
        return command;
    }

    static AdaptiveSampler Adaptive(FaultRunner runner, CampaignSettings settings)
    {
        var plan = (AdaptivePlan)PlanSpec.Parse(settings.Planner);
        var space = CampaignHost.SpaceOf(runner.Sites, settings);
        return new AdaptiveSampler(space, plan, settings.Seed);
    }
}
