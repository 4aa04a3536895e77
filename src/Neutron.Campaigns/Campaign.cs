// A campaign ready to run in a store: Start records a new one from its specification (or finds the same one already
// in the file), Resume reopens a stored one; Run runs what is not stored yet, for every plan kind (fixed plans and
// fault lists here, adaptive rounds in Campaign.Adaptive.cs), with progress and cancellation passed in. A run
// cancelled at any moment has committed every finished batch; Resume continues it with no fault lost or repeated.
using Neutron.Analysis.Planning;
using Neutron.Protection.Protection;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Campaigns;

public sealed partial class Campaign : IDisposable
{
    readonly CampaignStore _store;
    readonly IReadOnlyList<PlannedFault>? _plan; // fixed plans: this shard's faults; null for adaptive plans
    readonly AdaptiveSampler? _sampler;
    readonly ProtectionPlan? _protection;

    Campaign(CampaignStore store, long id, bool created, FaultRunner runner, IReadOnlyList<PlannedFault>? plan, AdaptiveSampler? sampler, ProtectionPlan? protection)
    {
        _store = store;
        Id = id;
        Created = created;
        Runner = runner;
        _plan = plan;
        _sampler = sampler;
        _protection = protection;
    }

    /// <summary>The campaign's database, open while the campaign is (results are read from it).</summary>
    public CampaignStore Store => _store;
    /// <summary>The campaign's id in its store.</summary>
    public long Id { get; }
    /// <summary>False when Start found the same campaign already in the store (it then continues it).</summary>
    public bool Created { get; }
    public FaultRunner Runner { get; }
    public CampaignSettings Settings => _store.Settings(Id);

    public void Dispose() => _store.Dispose();

    /// <summary>Records a new campaign (its fault list, golden predictions and description) in the SQLite database at
    /// <paramref name="database"/>, or finds the same one there. Loads the model and data, runs the golden pass and
    /// plans before the database is opened: a specification that cannot run leaves no file behind.</summary>
    public static Campaign Start(string database, CampaignSpec spec, RunOptions options)
    {
        if ((spec.Plan is null) == (spec.FaultList is null))
            throw new CampaignException("a campaign takes a plan or a fault list", "give one of them: --plan PLAN or --faults FILE.csv");
        if (spec.Plan is AdaptivePlan && spec.Shard.Count != 1)
            throw new CampaignException($"--shard {spec.Shard}: an adaptive plan decides each round from the last one and cannot be sharded", "run it unsharded, or use a fixed plan (statistical:...) to shard");
        if (spec.Plan is AdaptivePlan && spec.Protection is not null)
            throw new CampaignException("--protect cannot run with an adaptive plan", "use a fixed plan, e.g. --plan random:2000, to verify a protection");
        string modelPath = Path.GetFullPath(spec.ModelPath);
        if (!File.Exists(modelPath))
            throw new CampaignException($"model '{spec.ModelPath}' not found", "check the path of the ONNX model", CampaignErrorKind.ModelOrData);
        string sha = CampaignFiles.Sha256(modelPath);
        // A protection is checked before the golden run: a wrong file costs nothing.
        var protection = spec.Protection is null ? null : CampaignFiles.ParseProtection(spec.Protection, "--protect");
        if (protection is not null && protection.ModelSha256 != sha)
            throw new CampaignException($"the protection was made for the model with SHA-256 {protection.ModelSha256[..Math.Min(12, protection.ModelSha256.Length)]}…, this one is {sha[..12]}…",
                "make the protection from a campaign of this model (`neutron protect --db FILE --out ...`)", CampaignErrorKind.ModelOrData);
        string data = CampaignFiles.AbsoluteDataSpec(spec.DataSpec);
        var loaded = ModelLoading.Load(modelPath, data, spec.Images, spec.Format, spec.Datapath, options);
        var runner = loaded.Runner;
        var classNames = CampaignFiles.ClassNames(spec.ClassNames, loaded.ClassNames, loaded.Classes);

        IReadOnlyList<PlannedFault> whole;
        AdaptiveSampler? sampler = null;
        IReadOnlyDictionary<long, (double P, double Q)>? weights = null;
        Neutron.Faults.Sites.FaultSpace? space = null;
        if (spec.FaultList is { } list)
        {
            string csv = Path.GetFullPath(list);
            if (!File.Exists(csv)) throw new CampaignException($"fault list '{csv}' not found", "check the path of --faults", CampaignErrorKind.ModelOrData);
            whole = FaultListPlan.Read(csv, runner.Sites);
            if (whole.Count == 0) throw new CampaignException($"fault list '{csv}' holds no fault", "add rows under the `fault` header, e.g. weight:conv1.weight@0#30", CampaignErrorKind.ModelOrData);
        }
        else
        {
            space = FaultSpaces.Of(runner.Sites, spec.Target, spec.FaultModel, spec.Sites);
            // An adaptive plan starts empty: each round is written to the store before it runs.
            if (spec.Plan is AdaptivePlan adaptive) { sampler = new AdaptiveSampler(space, adaptive, spec.Seed); whole = []; }
            else if (spec.Plan is ImportancePlan importance) (whole, weights) = DrawImportance(space, importance, spec.Seed, runner, modelPath);
            else whole = FaultPlanner.Plan(space, spec.Plan!, spec.Seed);
        }
        var mine = FaultPlanner.Shard(whole, spec.Shard.Index, spec.Shard.Count);
        var settings = new CampaignSettings
        {
            ToolVersion = ToolVersion, ModelPath = modelPath, ModelSha256 = sha, Protection = spec.Protection ?? "",
            DataSpec = data, Images = runner.Data.Count, Format = spec.Format.Name, Datapath = spec.Datapath.Name,
            Target = spec.FaultList is null ? FaultSpaces.TargetText(spec.Target) : "list",
            FaultModel = spec.FaultList is null ? spec.FaultModel.ToString() : "list",
            Sites = spec.FaultList is null ? spec.Sites : Neutron.Faults.Sites.SiteFilter.All,
            Planner = spec.FaultList is null ? spec.Plan!.ToString() : "faults:" + Path.GetFullPath(spec.FaultList),
            Seed = spec.Seed, KernelSet = ModelLoading.KernelSetName, Shard = spec.Shard.ToString(),
            PlanSize = sampler is null ? whole.Count : 0, MemoryBudget = options.MemoryBudget,
        };
        var description = CampaignDescriptions.Describe(runner.Sites, space, Strata.Of(spec.Plan), classNames);
        if (CampaignStore.IsServerUrl(database) && spec.Shard.Count != 1)
            throw new CampaignException($"--shard {spec.Shard} with a PostgreSQL store", "workers share a server's plan by leasing chunks: drop --shard and start `neutron worker --db URL` processes");
        if (options.ChunkSize < 1) throw new CampaignException($"--chunk {options.ChunkSize} must be ≥ 1", "e.g. --chunk 256 (faults per leased chunk)");
        var store = CampaignStore.IsServerUrl(database) ? PostgresCampaignStore.Open(database, create: true, options.ChunkSize) : CampaignStore.Open(database, create: true);
        try
        {
            var (id, created) = store.FindOrCreateCampaign(settings, () => mine.Select(f => (f.Index, f.Fault.ToString())).ToList(), description,
                weights is null ? null : mine.ToDictionary(f => f.Index, f => weights[f.Index]));
            WriteGolden(store, id, runner);
            return new Campaign(store, id, created, runner, sampler is null ? mine : null, sampler, protection) { Lease = options.Lease };
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Reopens a stored campaign to run what is missing, after checking that the model is the one it was made
    /// from (SHA-256; <paramref name="modelPath"/> when it moved). Its settings come from the database; only
    /// <paramref name="options"/> may differ.</summary>
    public static Campaign Resume(string database, long? campaign, RunOptions options, string? modelPath = null)
    {
        var store = CampaignStore.Open(database, create: false);
        try { return Resume(store, campaign, options, modelPath); }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    static Campaign Resume(CampaignStore store, long? campaign, RunOptions options, string? modelPath)
    {
        long id = store.SingleCampaign(campaign);
        var settings = store.Settings(id);
        string model = modelPath is null ? settings.ModelPath : Path.GetFullPath(modelPath);
        if (!File.Exists(model))
            throw new CampaignException($"model '{model}' of this campaign is missing", "point to it with --model-path PATH", CampaignErrorKind.ModelOrData);
        string sha = CampaignFiles.Sha256(model);
        if (sha != settings.ModelSha256)
            throw new CampaignException($"'{model}' is not the model this campaign was made from (SHA-256 {sha[..12]}…, the database has {settings.ModelSha256[..Math.Min(12, settings.ModelSha256.Length)]}…)",
                "resume with the original model (--model-path), or start a new campaign with another --db", CampaignErrorKind.Storage);
        var runner = ModelLoading.Load(model, settings.DataSpec, settings.Images, NumberFormat.Parse(settings.Format), NumberFormat.Parse(settings.Datapath), options).Runner;
        if (runner.Data.Count != settings.Images)
            throw new CampaignException($"data '{settings.DataSpec}' now holds {runner.Data.Count} images, the campaign used {settings.Images}", "restore the data set the campaign was made with", CampaignErrorKind.ModelOrData);
        // Golden must match what was stored: WriteGolden refuses a contradiction (other data, format or kernels).
        WriteGolden(store, id, runner);
        if (settings.Plan is AdaptivePlan adaptive)
        {
            var target = FaultSpaces.ParseTarget(settings.Target) ?? throw new StoreException($"adaptive campaign {id} in '{store.Path}' has no target", "the database is damaged; restore it from a copy");
            var space = FaultSpaces.Of(runner.Sites, target, FaultModelSpec.Parse(settings.FaultModel), settings.Sites);
            return new Campaign(store, id, false, runner, null, new AdaptiveSampler(space, adaptive, settings.Seed), null) { Lease = options.Lease };
        }
        var protection = settings.Protection.Length == 0 ? null : CampaignFiles.ParseProtection(settings.Protection, "stored with the campaign");
        var plan = store.Faults(id).Select(f => new PlannedFault(f.Index, store.ParseFault(f.Index, f.Fault))).ToList();
        return new Campaign(store, id, false, runner, plan, null, protection) { Lease = options.Lease };
    }

    /// <summary>The version written with every campaign.</summary>
    public static string ToolVersion =>
        typeof(Campaign).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    static void WriteGolden(CampaignStore store, long id, FaultRunner runner) =>
        store.WriteGolden(id, Enumerable.Range(0, runner.Golden.Images)
            .Select(i => new GoldenPrediction(i, (int)runner.Golden.Labels[i], runner.Golden.Top1[i])).ToList());

    /// <summary>Runs the faults not stored yet. Cancellation stops after the batch in flight is committed.</summary>
    public CampaignResult Run(IProgress<CampaignEvent>? progress = null, CancellationToken cancel = default) =>
        (_store, _sampler) switch
        {
            (PostgresCampaignStore server, { } sampler) => RunAdaptiveLeased(server, sampler, progress, cancel),
            (_, { } sampler) => RunAdaptive(sampler, progress, cancel),
            (PostgresCampaignStore server, null) => RunLeased(server, progress, cancel),
            _ => RunFixed(progress, cancel),
        };

    CampaignResult RunFixed(IProgress<CampaignEvent>? progress, CancellationToken cancel)
    {
        var plan = _plan!;
        var done = _store.CompletedFaults(Id);
        var todo = plan.Where(f => !done.Contains(f.Index)).ToList();
        if (_protection is not null)
        {
            int considered = todo.Count;
            todo = Protect(_protection, todo);
            var (corrected, detected) = _store.ProtectionCounts(Id);
            progress?.Report(new ProtectionApplied(_protection.Scheme, _protection.Code, corrected, detected, todo.Count, considered));
        }
        long total = plan.Count, before = plan.Count - todo.Count; // stored, including what the protection decided
        long sdcBefore = _store.SdcFaultCount(Id);
        var golden = Runner.Golden;
        progress?.Report(new RunStarted(golden.Accuracy, golden.Images, total, before, todo.Count, ModelLoading.PathDescription(Runner),
            Strata.Of(Settings.Plan) != Stratification.None));
        if (todo.Count > 0)
        {
            var work = new WorkEstimate(todo, Runner.Sites, Runner.Accelerated);
            try
            {
                Runner.Run(todo, new StoreSink(_store, Id), progress is null ? null : new Reporter(p => progress.Report(new FaultsDone(
                    before + p.Done, total, sdcBefore + p.SdcFaults, work.Done(p.Done) / Math.Max(work.Total, 1e-300), work.Remaining(p.Done, p.Elapsed)))), cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return new CampaignResult(false, _store.OutcomeCount(Id), total);
            }
        }
        return new CampaignResult(true, _store.OutcomeCount(Id), total);
    }

    /// <summary>Applies the protection before anything runs: faults it corrects or detects are stored at once with the
    /// golden outcome and their verdict; the rest are returned to run (a partly corrected fault as what is left).</summary>
    List<PlannedFault> Protect(ProtectionPlan protection, List<PlannedFault> todo)
    {
        var decided = new List<StoredOutcome>();
        var run = Decide(protection, todo, decided);
        for (int first = 0; first < decided.Count; first += 4096)
            _store.WriteBatch(Id, decided.GetRange(first, Math.Min(4096, decided.Count - first)));
        return run;
    }

    /// <summary>The protection's verdicts: corrected and detected faults added to <paramref name="decided"/> with the
    /// golden outcome; the faults left to run returned.</summary>
    List<PlannedFault> Decide(ProtectionPlan protection, List<PlannedFault> todo, List<StoredOutcome> decided)
    {
        var run = new List<PlannedFault>(todo.Count);
        var golden = Runner.Golden;
        foreach (var f in todo)
        {
            var d = protection.Decide(f.Fault);
            if (d.Verdict == ProtectionVerdict.Runs) run.Add(new PlannedFault(f.Index, d.Run!));
            else decided.Add(new StoredOutcome(f.Index, golden.Images, golden.Correct, golden.Correct, 0, golden.NonFinite, [],
                d.Verdict == ProtectionVerdict.Corrected ? OutcomeProtection.Corrected : OutcomeProtection.Detected));
        }
        return run;
    }

    /// <summary>Reports on the runner's calling thread (System.Progress would post to the thread pool, out of order).</summary>
    sealed class Reporter(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
