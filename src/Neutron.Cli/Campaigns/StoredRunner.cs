// The runner of a campaign already in a store, as `resume` and `worker` build it: the model checked against the
// recorded SHA-256, the recorded data, formats and image count, and the golden run checked against (or written to)
// the store. Settings come from the store; only threads, batch, the plain path and memory may change.
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Cli.Campaigns;

public static class StoredRunner
{
    public static FaultRunner Load(CampaignStore store, long id, string? modelPath, int threads, int batch, bool plain, long memory)
    {
        var settings = store.Settings(id);
        string model = modelPath ?? settings.ModelPath;
        if (!File.Exists(model))
            throw new UserError($"model '{model}' of this campaign is missing", "point to it with --model-path PATH", ExitCodes.ModelOrData);
        string sha = CampaignHost.Sha256(model);
        if (sha != settings.ModelSha256)
            throw new UserError($"'{model}' is not the model this campaign was made from (SHA-256 {sha[..12]}…, the database has {settings.ModelSha256[..Math.Min(12, settings.ModelSha256.Length)]}…)",
                "resume with the original model (--model-path), or start a new campaign with another --db", ExitCodes.Storage);
        if (threads < 1) throw new UserError($"--threads {threads} must be ≥ 1", "e.g. --threads 2");
        var runner = CampaignHost.LoadRunner(model, settings.DataSpec, settings.Images, NumberFormat.Parse(settings.Format), NumberFormat.Parse(settings.Datapath), threads, batch, plain, memory);
        if (runner.Data.Count != settings.Images)
            throw new UserError($"data '{settings.DataSpec}' now holds {runner.Data.Count} images, the campaign used {settings.Images}", "restore the data set the campaign was made with", ExitCodes.ModelOrData);
        // Golden must match what was stored: WriteGolden refuses a contradiction (other data, format or kernels).
        store.WriteGolden(id, Enumerable.Range(0, runner.Golden.Images)
            .Select(i => new GoldenPrediction(i, (int)runner.Golden.Labels[i], runner.Golden.Top1[i])).ToList());
        return runner;
    }
}
