// neutron campaign [MODEL] --data SPEC ...: plans a fault list (or reads one), records it with the campaign's
// settings in the SQLite store, then runs it (CampaignHost). Re-running the same command on the same --db continues
// the campaign; a different campaign in that file is refused. With no MODEL it runs the bundled sample. An
// adaptive plan is drawn round by round (AdaptiveHost); --dry-run prints the plan's size per stratum and stops.
using System.CommandLine;
using System.Globalization;
using Neutron.Analysis.Planning;
using Neutron.Cli.Campaigns;
using Neutron.Cli.Options;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class CampaignCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo?>("MODEL") { Description = $"ONNX model (default: the bundled sample {CampaignHost.SampleModel})", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = $"evaluation data, FORMAT:PATH (default with the sample: {CampaignHost.SampleData})" };
        var target = new Option<string>("--target") { Description = "weights or activations", DefaultValueFactory = _ => "weights" };
        var faultModel = new Option<string>("--model") { Description = "flip, stuck0, stuck1, adjacent:K or random:K (K bits in one word)", DefaultValueFactory = _ => "flip" };
        var format = new Option<string>("--format") { Description = "number format of the stored weights (memory): fp32, fp16, bf16, int8, fxpW.F", DefaultValueFactory = _ => "fp32" };
        var datapath = new Option<string>("--datapath") { Description = "number format the activations are computed in (datapath): fp32, fp16, bf16, int8, fxpW.F; activation faults hit its words", DefaultValueFactory = _ => "fp32" };
        var plan = new Option<string?>("--plan") { Description = "exhaustive | random:COUNT | stratified:per=layer|bit|layer-bit,count=K | statistical:margin=0.01,confidence=0.99[,per=layer|layer-bit] | adaptive:margin=0.01,level=0.99[,per=layer|layer-bit][,batch=B] (default statistical:margin=0.05,confidence=0.95)" };
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
            string modelPath = modelFile?.FullName ?? CampaignHost.FindSample(CampaignHost.SampleModel);
            if (modelFile is null && !File.Exists(modelPath))
                throw new UserError($"the bundled sample model {CampaignHost.SampleModel} is missing (looked for {modelPath})",
                    "name a model: neutron campaign MODEL.onnx --data SPEC, or build the sample (see samples/README.md)", ExitCodes.ModelOrData);
            string? dataText = parse.GetValue(data);
            if (dataText is null && !parse.GetValue(dryRun)) // a dry run needs only the model
            {
                if (modelFile is not null) throw new UserError("--data is missing", "name the evaluation images, e.g. --data idx:/usr/share/datasets/fashion-mnist/t10k");
                string prefix = CampaignHost.FindSample(CampaignHost.SampleData[4..]);
                if (!File.Exists(prefix + "-images-idx3-ubyte") && !File.Exists(prefix + "-images-idx3-ubyte.gz"))
                    throw new UserError($"the bundled sample data {CampaignHost.SampleData} is missing (looked for {prefix}-images-idx3-ubyte[.gz])",
                        "name the data: --data idx:/usr/share/datasets/fashion-mnist/t10k, or build the sample (see samples/README.md)", ExitCodes.ModelOrData);
                dataText = "idx:" + prefix;
            }

            if (dataText is not null) dataText = CampaignHost.AbsoluteDataSpec(dataText);
            var targetKind = ParseTarget(parse.GetValue(target)!);
            var spec = ParseFaultModel(parse.GetValue(faultModel)!);
            var numberFormat = Usage(() => NumberFormat.Parse(parse.GetValue(format)!), "formats: fp32, fp16, bf16, int8, fxpW.F (e.g. fxp16.8)");
            var datapathFormat = Usage(() => NumberFormat.Parse(parse.GetValue(datapath)!), "--datapath formats: fp32, fp16, bf16, int8, fxpW.F (e.g. fxp16.8)");
            var csv = parse.GetValue(faults);
            string planText = parse.GetValue(plan) ?? "statistical:margin=0.05,confidence=0.95";
            if (csv is not null && parse.GetValue(plan) is not null) throw new UserError("--plan and --faults exclude each other", "a fault list is the plan; drop one of them");
            PlanSpec? planSpec = csv is null ? Usage(() => PlanSpec.Parse(planText), "e.g. --plan random:1000 or --plan statistical:margin=0.01,confidence=0.99,per=layer") : null;
            if (parse.GetValue(tolerance) is { } tau)
            {
                if (planSpec is not AdaptivePlan adaptive) throw new UserError("--tolerance sets the critical(τ) of adaptive plans", "drop it, or use --plan adaptive:...; `neutron summary --tolerance` reads any campaign at any τ");
                if (!(tau >= 0 && tau < 100)) throw new UserError($"--tolerance {tau.ToString(CultureInfo.InvariantCulture)} must lie in [0, 100) percentage points", "e.g. --tolerance 1");
                planSpec = adaptive with { Tolerance = tau };
            }
            // Bits address the words a fault hits: stored weights, or activations in the datapath.
            var (lo, hi) = ParseBits(parse.GetValue(bits), targetKind == FaultTarget.Activation ? datapathFormat.Width : numberFormat.Width);
            var (k, n) = ParseShard(parse.GetValue(shard)!);
            int threadCount = parse.GetValue(threads);
            if (threadCount < 1) throw new UserError($"--threads {threadCount} must be ≥ 1", "e.g. --threads 2");
            ulong seedValue = parse.GetValue(seed);
            string? layerGlob = parse.GetValue(layer), opTypes = parse.GetValue(op);

            if (planSpec is AdaptivePlan && n != 1)
                throw new UserError($"--shard {k}/{n}: an adaptive plan decides each round from the last one and cannot be sharded", "run it unsharded, or use a fixed plan (statistical:...) to shard");
            if (parse.GetValue(dryRun))
            {
                // Sites only: no data, no golden run.
                var sites = CampaignHost.LoadSites(modelPath, numberFormat, datapathFormat);
                if (csv is not null) { Console.WriteLine($"fault list {csv.FullName}: {FaultListPlan.Read(csv.FullName, sites).Length:N0} faults"); return ExitCodes.Ok; }
                return DryRun.Print(Space(sites, targetKind, spec, layerGlob, opTypes, lo, hi), planSpec!, k, n);
            }
            if (planSpec is AdaptivePlan && parse.GetValue(protect) is not null)
                throw new UserError("--protect cannot run with an adaptive plan", "use a fixed plan, e.g. --plan random:2000, to verify a protection");
            // A missing model is Load's error; a protection file is checked before the golden run.
            string? modelSha = File.Exists(modelPath) ? CampaignHost.Sha256(modelPath) : null;
            var protection = parse.GetValue(protect) is { } protectFile && modelSha is not null ? CampaignHost.ReadProtection(protectFile, modelSha) : default;
            if (parse.GetValue(images) is < 1 and var badImages)
                throw new UserError($"--images {badImages} must be ≥ 1", "e.g. --images 1000, or leave it out to use every image");
            var loaded = CampaignHost.Load(modelPath, dataText!, parse.GetValue(images), numberFormat, datapathFormat, threadCount, parse.GetValue(batch), parse.GetValue(plainRun), MemoryOption.Parse(parse.GetValue(memory)));
            var runner = loaded.Runner;
            var classNames = CampaignHost.ClassNames(parse.GetValue(classes), loaded.ClassNames, loaded.Classes);
            FaultSpace? plannedSpace = null;

            IReadOnlyList<PlannedFault> whole;
            AdaptiveSampler? sampler = null;
            string plannerText;
            if (csv is not null)
            {
                if (!csv.Exists) throw new UserError($"fault list '{csv.FullName}' not found", "check the path of --faults");
                whole = FaultListPlan.Read(csv.FullName, runner.Sites);
                if (whole.Count == 0) throw new UserError($"fault list '{csv.FullName}' holds no fault", "add rows under the `fault` header, e.g. weight:conv1.weight@0#30", ExitCodes.ModelOrData);
                plannerText = "faults:" + csv.FullName;
            }
            else
            {
                var space = plannedSpace = Space(runner.Sites, targetKind, spec, layerGlob, opTypes, lo, hi);
                // An adaptive plan starts empty: each round is written to the store before it runs.
                if (planSpec is AdaptivePlan adaptive) { sampler = new AdaptiveSampler(space, adaptive, seedValue); whole = []; }
                else whole = FaultPlanner.Plan(space, planSpec!, seedValue);
                plannerText = planSpec!.ToString();
            }
            var mine = FaultPlanner.Shard(whole, k, n);
            var settings = new CampaignSettings
            {
                ToolVersion = CampaignHost.ToolVersion, ModelPath = modelPath, ModelSha256 = modelSha ?? CampaignHost.Sha256(modelPath), Protection = protection.Text ?? "",
                DataSpec = dataText!, Images = runner.Data.Count, Format = numberFormat.Name, Datapath = datapathFormat.Name, Target = csv is null ? TargetText(targetKind) : "list",
                FaultModel = csv is null ? spec.ToString() : "list", Filters = $"layer={layerGlob};op={opTypes};bits={lo}-{hi}",
                Planner = plannerText, Seed = seedValue, KernelSet = CampaignHost.KernelSet, Shard = $"{k}/{n}", PlanSize = sampler is null ? whole.Count : 0,
            };

            var description = CampaignHost.Describe(runner.Sites, plannedSpace, Strata.Of(plannerText), classNames);
            string location = StoreOption.Location(parse.GetValue(db)!);
            if (CampaignStore.IsServerUrl(location) && (k, n) != (1, 1))
                throw new UserError($"--shard {k}/{n} with a PostgreSQL store", "workers share a server's plan by leasing chunks: drop --shard and start `neutron worker --db URL` processes");
            if (parse.GetValue(chunk) < 1) throw new UserError($"--chunk {parse.GetValue(chunk)} must be ≥ 1", "e.g. --chunk 256 (faults per leased chunk)");
            using var store = CampaignStore.IsServerUrl(location) ? PostgresCampaignStore.Open(location, create: true, parse.GetValue(chunk)) : CampaignStore.Open(location, create: true);
            var (id, created) = store.FindOrCreateCampaign(settings, () => mine.Select(f => (f.Index, f.Fault.ToString())).ToList(), description);
            if (!created) Console.Error.WriteLine($"continuing campaign {id} in '{store.Path}' (same settings)");
            store.WriteGolden(id, Enumerable.Range(0, runner.Golden.Images)
                .Select(i => new GoldenPrediction(i, (int)runner.Golden.Labels[i], runner.Golden.Top1[i])).ToList());
            if (sampler is null && store is PostgresCampaignStore server) return WorkerHost.Execute(server, id, runner, protection.Plan, WorkerHost.DefaultLease);
            return sampler is null ? CampaignHost.Execute(store, id, runner, mine, protection.Plan) : AdaptiveHost.Execute(store, id, runner, sampler);
        });
        return command;
    }

    /// <summary>The fault space: the target's sites matching the filters, with the bit range.</summary>
    internal static FaultSpace Space(SiteCatalog catalog, FaultTarget target, FaultModelSpec spec, string? layerGlob, string? opTypes, int lo, int hi)
    {
        var glob = layerGlob is null ? null : SiteFilter.Glob(layerGlob);
        var ops = opTypes?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sites = catalog.Of(target)
            .Where(s => glob is null || glob.IsMatch(s.Tensor) || glob.IsMatch(s.Layer))
            .Where(s => ops is null || ops.Contains(s.OpType, StringComparer.OrdinalIgnoreCase))
            .ToList();
        if (sites.Count == 0)
        {
            var names = catalog.Of(target).Take(4).Select(s => $"{s.Tensor} ({s.OpType})");
            throw new UserError($"no {TargetText(target)} sites match --layer {layerGlob ?? "*"} --op {opTypes ?? "*"}",
                $"sites here include {string.Join(", ", names)}; `neutron inspect MODEL` lists them");
        }
        var space = new FaultSpace(sites, spec, lo, hi);
        if (space.Size == 0) throw new UserError($"bits {lo}-{hi} leave no fault position for {spec}", "widen --bits");
        return space;
    }

    internal static FaultTarget ParseTarget(string text) => text.Trim().ToLowerInvariant() switch
    {
        "weights" or "weight" => FaultTarget.Weight,
        "activations" or "activation" or "act" => FaultTarget.Activation,
        _ => throw new UserError($"--target '{text}' is unknown", "use weights or activations"),
    };

    static string TargetText(FaultTarget t) => t == FaultTarget.Weight ? "weights" : "activations";

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

    static (int K, int N) ParseShard(string text)
    {
        if (text == "auto") return SchedulerShard.FromEnvironment(Environment.GetEnvironmentVariable);
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && k >= 1 && k <= n)
            return (k, n);
        throw new UserError($"--shard '{text}' is not k/N with 1 ≤ k ≤ N", "e.g. --shard 2/4 runs the second of four shards");
    }

    static T Usage<T>(Func<T> parse, string hint)
    {
        try { return parse(); }
        catch (Exception e) when (e is ArgumentException or FormatException) { throw new UserError(e.Message, hint); }
    }
}
