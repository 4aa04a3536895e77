// neutron worker --db postgresql://USER@HOST[:PORT]/DB [--campaign ID]: joins a campaign in a PostgreSQL store and
// runs its chunks until every chunk is done (Campaign.Run on a server store leases chunks). Start as many as there
// are machines or cores to fill; a worker may die or be stopped at any time and be replaced. Settings come from the
// store, as for `resume`.
using System.CommandLine;
using Neutron.Campaigns;
using Neutron.Cli.Options;
using Neutron.Cli.Printing;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class WorkerCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "the campaign's PostgreSQL store: postgresql://USER@HOST[:PORT]/DB (password from PGPASSWORD or ~/.pgpass)", Required = true };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the store holds several" };
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the model, when it sits elsewhere on this machine (must be the same file)" };
        var threads = new Option<int>("--threads") { Description = "threads of this worker (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batch = new Option<int>("--batch") { Description = "faults the runner hands over at a time (a chunk still commits as one transaction)", DefaultValueFactory = _ => 64 };
        var plain = new Option<bool>("--plain") { Description = "re-run the whole network per fault (the slow oracle) instead of the accelerated path" };
        var lease = new Option<double>("--lease") { Description = "seconds a chunk stays held without a heartbeat; a dead worker's chunk is taken again after it (heartbeat every third)", DefaultValueFactory = _ => 60 };
        var memory = MemoryOption.Create();
        var command = new Command("worker", "Run chunks of a campaign in a PostgreSQL store until it is done") { db, campaign, modelPath, threads, batch, plain, lease, memory };
        command.SetAction(parse =>
        {
            string url = parse.GetValue(db)!;
            if (!CampaignStore.IsServerUrl(url))
                throw new UserError($"--db '{url}' is not a PostgreSQL URL", "workers share a server: --db postgresql://USER@HOST[:PORT]/DB; an SQLite campaign runs with `neutron resume` or `--shard`");
            double seconds = parse.GetValue(lease);
            if (!(seconds >= 1 && seconds <= 86_400)) throw new UserError($"--lease {seconds} is outside 1–86400 seconds", "e.g. --lease 60: longer than one chunk's pause, shorter than you would wait for a dead worker");
            var options = new RunOptions
            {
                Threads = parse.GetValue(threads), Batch = parse.GetValue(batch), Plain = parse.GetValue(plain), MemoryBudget = MemoryOption.Parse(parse.GetValue(memory)),
                Lease = TimeSpan.FromSeconds(seconds),
            };
            using var joined = Campaign.Resume(url, parse.GetValue(campaign), options, parse.GetValue(modelPath)?.FullName);
            return CampaignConsole.Run(joined, joined.Store.Path);
        });
        return command;
    }
}
