// neutron campaign [MODEL] --data SPEC ...: parses the options into a CampaignSpec and runs it through the campaign
// library (Neutron.Campaigns: plan, record, run). Re-running the same command on the same --db continues the
// campaign; a different campaign in that file is refused. With no MODEL it runs the bundled sample; --dry-run prints
// the plan's size per stratum and stops.
using System.CommandLine;
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Campaigns;
using Neutron.Cli.Options;
using Neutron.Cli.Printing;
using Neutron.Faults;
using Neutron.Faults.Models;
using Neutron.Faults.Formats;
using Neutron.Faults.Sites;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class CampaignCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo?>("MODEL") { Description = $"ONNX model (default: the bundled sample {BundledSample.Model})", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = $"evaluation data, FORMAT:PATH (default with the sample: {BundledSample.Data})" };
        var target = new Option<string>("--target") { Description = "weights or activations", DefaultValueFactory = _ => "weights" };
        var faultModel = new Option<string>("--model") { Description = "flip, stuck0, stuck1, adjacent:K or random:K (K bits in one word)", DefaultValueFactory = _ => "flip" };
        var format = new Option<string>("--format") { Description = "number format of the stored weights (memory): fp32, fp16, bf16, int8, fxpW.F", DefaultValueFactory = _ => "fp32" };
        var datapath = new Option<string>("--datapath") { Description = "number format the activations are computed in (datapath): fp32, fp16, bf16, int8, fxpW.F; activation faults hit its words", DefaultValueFactory = _ => "fp32" };
        var plan = new Option<string?>("--plan") { Description = "exhaustive | random:COUNT | stratified:per=layer|bit|layer-bit,count=K | statistical:margin=0.01,confidence=0.99[,per=layer|layer-bit] | adaptive:margin=0.01,level=0.99[,per=layer|layer-bit][,batch=B] | importance:count=N[,alpha=0.1][,damage=0.3][,score=margin|ce] (default statistical:margin=0.05,confidence=0.95)" };
        var tolerance = new Option<double?>("--tolerance") { Description = "adaptive plans: critical(τ) = accuracy drop above τ percentage points (default 1.0)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the fault-space and plan sizes per stratum, run nothing" };
        var faults = new Option<FileInfo?>("--faults") { Description = "run the faults of a CSV list (column `fault`, optional `id`) instead of a plan" };
        var images = new Option<int?>("--images") { Description = "use the first N images (default: all)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the plan's random draws", DefaultValueFactory = _ => 1 };
        var layer = new Option<string?>("--layer") { Description = "only sites whose tensor or layer name matches this glob (e.g. 'conv1*')" };
        var op = new Option<string?>("--op") { Description = "only sites of these op types, comma-separated (e.g. Conv,Gemm)" };
        var bits = new Option<string?>("--bits") { Description = "only bits LO-HI (e.g. 23-30), or one bit" };
        var shard = new Option<string>("--shard") { Description = "run shard k of N of the plan (k/N), or `auto` for the Slurm array task or Kubernetes Indexed Job index; join shards with `neutron merge`", DefaultValueFactory = _ => "1/1" };
        var threads = new Option<int>("--threads") { Description = "worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var db = new Option<string>("--db") { Description = StoreOption.Description + "; with a server, this process is the first worker (`neutron worker` adds more)", DefaultValueFactory = _ => "neutron-campaign.db" };
        var chunk = new Option<int>("--chunk") { Description = "faults per chunk that a worker leases (PostgreSQL store)", DefaultValueFactory = _ => 256 };
        var batch = new Option<int>("--batch") { Description = "faults per database transaction (a kill loses at most one batch)", DefaultValueFactory = _ => 64 };
        var plainRun = new Option<bool>("--plain") { Description = "re-run the whole network per fault (the slow oracle) instead of the accelerated cone re-execution" };
        var memory = MemoryOption.Create();
        var protect = new Option<FileInfo?>("--protect") { Description = "run the faults under a protection file of `neutron protect --out`: corrected and outvoted faults have no effect, detected ones are counted apart" };
        var classes = new Option<FileInfo?>("--classes") { Description = "class names, one per line in class-index order (default: the data's own names, else the indices)" };
        var command = new Command("campaign", "Run a fault-injection campaign into an SQLite file or a PostgreSQL store")
        {
            model, data, target, faultModel, format, datapath, plan, tolerance, faults, images, seed, layer, op, bits, shard, threads, batch, db, chunk, dryRun, plainRun, memory, classes, protect,
        };
        command.SetAction(parse =>
        {
            var modelFile = parse.GetValue(model);
            string modelPath = modelFile?.FullName ?? BundledSample.Find(BundledSample.Model);
            if (modelFile is null && !File.Exists(modelPath))
                throw new UserError($"the bundled sample model {BundledSample.Model} is missing (looked for {modelPath})",
                    "name a model: neutron campaign MODEL.onnx --data SPEC, or build the sample (see samples/README.md)", ExitCodes.ModelOrData);
            string? dataText = parse.GetValue(data);
            if (dataText is null && !parse.GetValue(dryRun)) // a dry run needs only the model
            {
                if (modelFile is not null) throw new UserError("--data is missing", "name the evaluation images, e.g. --data idx:/usr/share/datasets/fashion-mnist/t10k");
                string prefix = BundledSample.Find(BundledSample.Data[4..]);
                if (!File.Exists(prefix + "-images-idx3-ubyte") && !File.Exists(prefix + "-images-idx3-ubyte.gz"))
                    throw new UserError($"the bundled sample data {BundledSample.Data} is missing (looked for {prefix}-images-idx3-ubyte[.gz])",
                        "name the data: --data idx:/usr/share/datasets/fashion-mnist/t10k, or build the sample (see samples/README.md)", ExitCodes.ModelOrData);
                dataText = "idx:" + prefix;
            }

            var targetKind = ParseTarget(parse.GetValue(target)!);
            var numberFormat = Usage(() => NumberFormat.Parse(parse.GetValue(format)!), "formats: fp32, fp16, bf16, int8, fxpW.F (e.g. fxp16.8)");
            var datapathFormat = Usage(() => NumberFormat.Parse(parse.GetValue(datapath)!), "--datapath formats: fp32, fp16, bf16, int8, fxpW.F (e.g. fxp16.8)");
            var csv = parse.GetValue(faults);
            if (csv is not null && parse.GetValue(plan) is not null) throw new UserError("--plan and --faults exclude each other", "a fault list is the plan; drop one of them");
            PlanSpec? planSpec = csv is null ? Usage(() => PlanSpec.Parse(parse.GetValue(plan) ?? "statistical:margin=0.05,confidence=0.95"),
                "e.g. --plan random:1000 or --plan statistical:margin=0.01,confidence=0.99,per=layer") : null;
            if (parse.GetValue(tolerance) is { } tau)
            {
                if (planSpec is not AdaptivePlan adaptive) throw new UserError("--tolerance sets the critical(τ) of adaptive plans", "drop it, or use --plan adaptive:...; `neutron summary --tolerance` reads any campaign at any τ");
                if (!(tau >= 0 && tau < 100)) throw new UserError($"--tolerance {tau.ToString(CultureInfo.InvariantCulture)} must lie in [0, 100) percentage points", "e.g. --tolerance 1");
                planSpec = adaptive with { Tolerance = tau };
            }
            // Bits address the words a fault hits: stored weights, or activations in the datapath.
            var (lo, hi) = ParseBits(parse.GetValue(bits), targetKind == FaultTarget.Activation ? datapathFormat.Width : numberFormat.Width);
            var spec = new CampaignSpec
            {
                ModelPath = modelPath, DataSpec = dataText ?? "", Images = parse.GetValue(images), Target = targetKind,
                Format = numberFormat, Datapath = datapathFormat, FaultModel = ParseFaultModel(parse.GetValue(faultModel)!),
                Sites = new SiteFilter
                {
                    NameOrLayer = parse.GetValue(layer),
                    OpTypes = parse.GetValue(op)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    MinBit = lo, MaxBit = hi,
                },
                Plan = planSpec, FaultList = csv?.FullName, Seed = parse.GetValue(seed), Shard = parse.GetValue(shard) == "auto" ? AutoShard() : Shard.Parse(parse.GetValue(shard)!),
                Protection = parse.GetValue(protect) is { } protectFile ? CampaignFiles.ReadProtection(protectFile.FullName) : null,
                ClassNames = parse.GetValue(classes) is { } names ? CampaignFiles.ReadClassNames(names.FullName) : null,
            };
            if (parse.GetValue(dryRun)) return DryRun.Print(spec);
            var options = new RunOptions
            {
                Threads = parse.GetValue(threads), Batch = parse.GetValue(batch), Plain = parse.GetValue(plainRun), MemoryBudget = MemoryOption.Parse(parse.GetValue(memory)),
                ChunkSize = parse.GetValue(chunk),
            };
            using var campaign = Campaign.Start(StoreOption.Location(parse.GetValue(db)!), spec, options);
            if (!campaign.Created) Console.Error.WriteLine($"continuing campaign {campaign.Id} in '{campaign.Store.Path}' (same settings)");
            return CampaignConsole.Run(campaign, campaign.Store.Path);
        });
        return command;
    }

    static Shard AutoShard()
    {
        var (k, n) = SchedulerShard.FromEnvironment(Environment.GetEnvironmentVariable);
        return new Shard(k, n);
    }

    internal static FaultTarget ParseTarget(string text) => text.Trim().ToLowerInvariant() switch
    {
        "weights" or "weight" => FaultTarget.Weight,
        "activations" or "activation" or "act" => FaultTarget.Activation,
        _ => throw new UserError($"--target '{text}' is unknown", "use weights or activations"),
    };

    /// <summary>flip, stuck0, stuck1, adjacent:K, random:K (flip on K bits), or the fault layer's own MODEL:adjK / MODEL:randK.</summary>
    internal static FaultModelSpec ParseFaultModel(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t.StartsWith("adjacent:", StringComparison.Ordinal)) t = "flip:adj" + t[9..];
        else if (t.StartsWith("random:", StringComparison.Ordinal)) t = "flip:rand" + t[7..];
        return Usage(() => FaultModelSpec.Parse(t), "use flip, stuck0, stuck1, adjacent:K or random:K, e.g. --model adjacent:2");
    }

    static (int Lo, int Hi) ParseBits(string? text, int width)
    {
        if (text is null) return (0, width - 1);
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is 1 or 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lo)
            && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int hi) && lo <= hi)
        {
            if (hi >= width) throw new UserError($"--bits {text}: bit {hi} is beyond the {width}-bit word of the format (bits 0..{width - 1})", $"e.g. --bits 0-{width - 1}");
            return (lo, hi);
        }
        throw new UserError($"--bits '{text}' is not LO-HI", "e.g. --bits 23-30 (FP32 exponent) or --bits 31");
    }

    static T Usage<T>(Func<T> parse, string hint)
    {
        try { return parse(); }
        catch (Exception e) when (e is ArgumentException or FormatException) { throw new UserError(e.Message, hint); }
    }
}
