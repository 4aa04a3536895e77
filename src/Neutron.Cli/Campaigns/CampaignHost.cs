// What `campaign` and `resume` share: finding the bundled sample, hashing the model, loading model and data into a
// FaultRunner, and running faults into the store with a progress bar (ETA, running SDC estimate with its Wilson
// interval) and a clean stop on Ctrl-C or SIGTERM (the batch in flight is committed; exit 130; resume continues).
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Neutron.Analysis.Planning;
using Neutron.Analysis.Protection;
using Neutron.Analysis.Statistics;
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;
using Neutron.Results.Store;
using Spectre.Console;

namespace Neutron.Cli.Campaigns;

public static class CampaignHost
{
    public const string SampleModel = "samples/lenet5-fmnist.onnx";
    public const string SampleData = "idx:samples/fashion-mnist/t10k-1000";

    public static string ToolVersion =>
        typeof(CampaignHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The kernel set the engine actually runs (scalar, avx2): the CPU's best, or the one NEUTRON_KERNELS forces.</summary>
    public static string KernelSet
    {
        get
        {
            try { return Neutron.Engine.Kernels.KernelSet.Name; }
            catch (TypeInitializationException e) when (e.InnerException is ArgumentException a)
            {
                throw new UserError(a.Message, $"unset {Neutron.Engine.Kernels.KernelSet.EnvironmentVariable}, or set it to scalar or avx2");
            }
        }
    }

    /// <summary>A path relative to the working folder, or else to the folder holding samples/ above the tool.</summary>
    public static string FindSample(string relative)
    {
        if (File.Exists(relative) || Directory.Exists(relative)) return Path.GetFullPath(relative);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) || File.Exists(candidate + "-images-idx3-ubyte") || File.Exists(candidate + "-images-idx3-ubyte.gz")) return candidate;
        }
        return Path.GetFullPath(relative);
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The model's fault sites, weights stored in format and activations in datapath, without data or a
    /// golden run (for --dry-run).</summary>
    public static SiteCatalog LoadSites(string modelPath, NumberFormat format, NumberFormat datapath)
    {
        if (!File.Exists(modelPath))
            throw new UserError($"model '{modelPath}' not found", "check the path; with no MODEL, neutron runs the bundled sample " + SampleModel, ExitCodes.ModelOrData);
        return SiteCatalog.Discover(new InferenceSession(OnnxReader.Load(modelPath)), format, datapath);
    }

    /// <summary>A campaign's fault space rebuilt from its stored target, fault model and filters ("layer=G;op=T;bits=LO-HI").</summary>
    public static FaultSpace SpaceOf(SiteCatalog sites, CampaignSettings settings)
    {
        var filters = settings.Filters.Split(';').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        string? Get(string key) => filters.GetValueOrDefault(key) is { Length: > 0 } v ? v : null;
        var bits = Get("bits")?.Split('-');
        if (bits is not [var lo, var hi] || !int.TryParse(lo, CultureInfo.InvariantCulture, out int low) || !int.TryParse(hi, CultureInfo.InvariantCulture, out int high))
            throw new UserError($"stored filters '{settings.Filters}' have no bit range LO-HI", "the database was not made by `neutron campaign`; start a new one", ExitCodes.Storage);
        return Commands.CampaignCommand.Space(sites, Commands.CampaignCommand.ParseTarget(settings.Target),
            Commands.CampaignCommand.ParseFaultModel(settings.FaultModel), Get("layer"), Get("op"), low, high);
    }

    /// <summary>Loads the model and the first <paramref name="images"/> images and builds the runner (golden run included).</summary>
    public static FaultRunner LoadRunner(string modelPath, string dataSpec, int? images, NumberFormat format, NumberFormat datapath, int threads, int batch, bool plain = false, long memory = MemoryOption.Default) =>
        Load(modelPath, dataSpec, images, format, datapath, threads, batch, plain, memory).Runner;

    /// <summary>A runner and what a new campaign records about the classes: the model's class count and the names
    /// the data carries (null when it carries none).</summary>
    public sealed record Loaded(FaultRunner Runner, int Classes, string[]? ClassNames);

    public static Loaded Load(string modelPath, string dataSpec, int? images, NumberFormat format, NumberFormat datapath, int threads, int batch, bool plain = false, long memory = MemoryOption.Default)
    {
        if (!File.Exists(modelPath))
            throw new UserError($"model '{modelPath}' not found", "check the path; with no MODEL, neutron runs the bundled sample " + SampleModel, ExitCodes.ModelOrData);
        var model = OnnxReader.Load(modelPath);
        DataSpec spec;
        try { spec = DataSpec.Parse(dataSpec); }
        catch (ArgumentException e) { throw new UserError(e.Message, "e.g. --data idx:/usr/share/datasets/fashion-mnist/t10k or npy:X.npy,Y.npy"); }
        var data = spec.Load(new DataOptions { Limit = images ?? int.MaxValue });
        if (batch < 1) throw new UserError($"--batch {batch} must be ≥ 1", "e.g. --batch 64 (faults per database transaction)");
        if (data.Count == 0) throw new UserError($"data '{dataSpec}' holds no images", "check the data spec", ExitCodes.ModelOrData);
        DataChecks.ForClassifier(data, model, Path.GetFileName(modelPath));
        var set = new EvaluationSet(data.Images, data.Labels);
        try
        {
            var runner = new FaultRunner(model, set, new RunnerOptions { Format = format, Datapath = datapath, Threads = threads, BatchSize = batch, Plain = plain, MemoryBudget = memory });
            int classes = model.Outputs.FirstOrDefault()?.Shape is { Length: > 0 } shape && shape[^1] > 0 ? shape[^1]
                : (int)Math.Max(runner.Golden.Labels.DefaultIfEmpty().Max(), runner.Golden.Top1.DefaultIfEmpty().Max()) + 1;
            return new Loaded(runner, classes, data.ClassNames);
        }
        catch (ArgumentException e)
        {
            throw new UserError($"cannot run faults on '{modelPath}' with '{dataSpec}': {e.Message}", "check the model's input with `neutron inspect MODEL`", ExitCodes.ModelOrData);
        }
    }

    /// <summary>The data spec with every path made absolute, as a campaign stores it: `resume` may run from any folder.</summary>
    public static string AbsoluteDataSpec(string text)
    {
        DataSpec spec;
        try { spec = DataSpec.Parse(text); }
        catch (ArgumentException e) { throw new UserError(e.Message, "e.g. --data idx:/usr/share/datasets/fashion-mnist/t10k or npy:X.npy,Y.npy"); }
        var parts = spec.Paths.Select(Path.GetFullPath).Concat(spec.Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}"));
        return spec.Format + ":" + string.Join(",", parts);
    }

    /// <summary>What a campaign records when it starts (CampaignDescription): every site's layer, op type and shape;
    /// the strata's sizes in its fault space when the plan is stratified; one name per class.</summary>
    public static CampaignDescription Describe(SiteCatalog sites, FaultSpace? space, Stratification per, IReadOnlyList<string> classNames) => new()
    {
        Sites = sites.Weights.Concat(sites.Activations)
            .Select(x => new SiteInfo(Fault.TargetText(x.Target), x.Tensor, x.Layer, x.OpType, "[" + string.Join(",", x.Shape) + "]")).ToList(),
        StratumSizes = space is null || per == Stratification.None ? new Dictionary<string, long>()
            : Strata.Of(space, per).ToDictionary(x => x.Name, x => x.Size, StringComparer.Ordinal),
        ClassNames = classNames,
    };

    /// <summary>Class names for a new campaign: a --classes file (one name per line), else the data's own, else the
    /// class indices. Never guessed from the class count.</summary>
    public static IReadOnlyList<string> ClassNames(FileInfo? file, string[]? fromData, int classes)
    {
        if (file is not null)
        {
            if (!file.Exists) throw new UserError($"class names file '{file.FullName}' not found", "give a text file with one class name per line, in class-index order", ExitCodes.ModelOrData);
            var names = File.ReadAllLines(file.FullName).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            if (names.Length != classes)
                throw new UserError($"'{file.FullName}' names {names.Length} classes; the model has {classes}", "one name per line, one line per class", ExitCodes.ModelOrData);
            return names;
        }
        if (fromData is not null && fromData.Length == classes) return fromData;
        return Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The description of a campaign recorded before descriptions were stored, rebuilt from its model when that
    /// is still where the campaign found it (same SHA-256); null otherwise.</summary>
    public static CampaignDescription? Rebuild(CampaignSettings s, string? modelPath = null)
    {
        string path = modelPath ?? s.ModelPath;
        if (!File.Exists(path) || Sha256(path) != s.ModelSha256) return null;
        var model = OnnxReader.Load(path);
        var sites = SiteCatalog.Discover(new Neutron.Engine.Execution.InferenceSession(model), NumberFormat.Parse(s.Format), NumberFormat.Parse(s.Datapath));
        var per = Strata.Of(s.Planner);
        FaultSpace? space = per == Stratification.None || s.Target == "list" ? null : SpaceOf(sites, s);
        int classes = model.Outputs.FirstOrDefault()?.Shape is { Length: > 0 } shape && shape[^1] > 0 ? shape[^1] : 0;
        return Describe(sites, space, per, ClassNames(null, null, classes));
    }

    /// <summary>Which runner path runs the faults, for the first progress line.</summary>
    public static string PathDescription(FaultRunner runner) => !runner.Accelerated
        ? $"plain runner ({runner.PlainReason})"
        : runner.CacheGroupCount == 1 ? "accelerated runner"
        : $"accelerated runner, golden cache in {runner.CacheGroupCount} image groups (raise --memory to hold it at once)";

    /// <summary>Reads a protection file for `campaign --protect`: parsed, checked against the model's SHA-256.</summary>
    public static (ProtectionPlan Plan, string Text) ReadProtection(FileInfo file, string modelSha256)
    {
        if (!file.Exists) throw new UserError($"protection file '{file.FullName}' not found", "write one with `neutron protect --db FILE --scheme ... --out PROTECTION.json`", ExitCodes.ModelOrData);
        string text = File.ReadAllText(file.FullName).Trim();
        var plan = ParseProtection(text, file.FullName);
        if (plan.ModelSha256 != modelSha256)
            throw new UserError($"protection file '{file.FullName}' was made for the model with SHA-256 {plan.ModelSha256[..Math.Min(12, plan.ModelSha256.Length)]}…, this one is {modelSha256[..12]}…",
                "make the protection from a campaign of this model (`neutron protect --db FILE --out ...`)", ExitCodes.ModelOrData);
        return (plan, text);
    }

    /// <summary>A protection file's text (as given, or as stored with a campaign) parsed.</summary>
    public static ProtectionPlan ParseProtection(string text, string where)
    {
        try { return ProtectionPlan.Parse(text); }
        catch (FormatException e) { throw new UserError($"protection '{where}': {e.Message}", "write it with `neutron protect --db FILE --scheme ... --out PROTECTION.json`", ExitCodes.ModelOrData); }
    }

    /// <summary>Applies a protection before anything runs: faults it corrects or detects are stored at once with the
    /// golden outcome and their verdict; the rest are returned to run (a partly corrected fault as what is left).</summary>
    static List<PlannedFault> Protect(CampaignStore store, long campaign, FaultRunner runner, ProtectionPlan protection, List<PlannedFault> todo)
    {
        var decided = new List<StoredOutcome>();
        var run = Decide(runner, protection, todo, decided);
        for (int first = 0; first < decided.Count; first += 4096)
            store.WriteBatch(campaign, decided.GetRange(first, Math.Min(4096, decided.Count - first)));
        return run;
    }

    /// <summary>The protection's verdicts: corrected and detected faults added to <paramref name="decided"/> with the
    /// golden outcome; the faults left to run returned.</summary>
    public static List<PlannedFault> Decide(FaultRunner runner, ProtectionPlan protection, List<PlannedFault> todo, List<StoredOutcome> decided)
    {
        var run = new List<PlannedFault>(todo.Count);
        var golden = runner.Golden;
        foreach (var f in todo)
        {
            var d = protection.Decide(f.Fault);
            if (d.Verdict == ProtectionVerdict.Runs) run.Add(new PlannedFault(f.Index, d.Run!));
            else decided.Add(new StoredOutcome(f.Index, golden.Images, golden.Correct, golden.Correct, 0, golden.NonFinite, [],
                d.Verdict == ProtectionVerdict.Corrected ? OutcomeProtection.Corrected : OutcomeProtection.Detected));
        }
        return run;
    }

    /// <summary>Runs the faults not yet stored. Returns the exit code: 0 done, 130 interrupted.</summary>
    public static int Execute(CampaignStore store, long campaign, FaultRunner runner, IReadOnlyList<PlannedFault> plan, ProtectionPlan? protection = null)
    {
        var done = store.CompletedFaults(campaign);
        var todo = plan.Where(f => !done.Contains(f.Index)).ToList();
        if (protection is not null)
        {
            int before0 = todo.Count;
            todo = Protect(store, campaign, runner, protection, todo);
            var (corrected, detected) = store.ProtectionCounts(campaign);
            Console.Error.WriteLine($"protection {protection.Scheme} ({protection.Code}): {corrected:N0} faults corrected or outvoted, {detected:N0} detected, stored without running; "
                + $"{todo.Count:N0} of {before0:N0} left to run");
        }
        long total = plan.Count, before = plan.Count - todo.Count; // stored, including what the protection decided
        long sdcBefore = store.Outcomes(campaign).LongCount(o => o.Sdc > 0);
        var golden = runner.Golden;
        Console.Error.WriteLine($"golden accuracy {golden.Accuracy:P2} on {golden.Images} images; {total:N0} faults, {before:N0} already stored, {todo.Count:N0} to run; {PathDescription(runner)}");
        if (todo.Count == 0) return ExitCodes.Ok;
        var work = new WorkEstimate(todo, runner.Sites, runner.Accelerated);

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var sink = new StoreSink(store, campaign);
        // A stratified plan samples strata at different rates: the running share of injected faults is not the
        // fault space's rate (summary and report weight it), so the line says so.
        string label = Strata.Of(store.Settings(campaign).Planner) == Stratification.None ? "SDC faults" : "SDC faults (unweighted)";
        string Estimate(long doneNow, long sdcNow)
        {
            var w = Intervals.Wilson(sdcNow, doneNow);
            return doneNow == 0 ? $"{label}: -" : $"{label} {(double)sdcNow / doneNow:P1} [{w.Lower:P1}–{w.Upper:P1}]";
        }
        try
        {
            if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                var last = DateTime.UtcNow;
                runner.Run(todo, sink, new SyncProgress(p =>
                {
                    if ((DateTime.UtcNow - last).TotalSeconds < 2 && p.Done < p.Total) return;
                    last = DateTime.UtcNow;
                    Console.WriteLine($"{before + p.Done}/{total} faults, {Estimate(before + p.Done, sdcBefore + p.SdcFaults)}, ETA {work.Remaining(p.Done, p.Elapsed):hh\\:mm\\:ss}");
                }), cancel.Token);
            }
            else
            {
                AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        // The bar counts work, not faults, so its remaining time follows the cost of what is left.
                        var task = ctx.AddTask(Estimate(before, sdcBefore), maxValue: work.Total);
                        task.Value = 0;
                        runner.Run(todo, sink, new SyncProgress(p =>
                        {
                            task.Value = work.Done(p.Done);
                            task.Description = Estimate(before + p.Done, sdcBefore + p.SdcFaults);
                        }), cancel.Token);
                    });
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"neutron: stopped; {store.OutcomeCount(campaign):N0} of {total:N0} faults stored in '{store.Path}'");
            Console.Error.WriteLine($"hint: `neutron resume --db {store.Path}` continues where it stopped");
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        long stored = store.OutcomeCount(campaign);
        Console.Error.WriteLine($"done: {stored:N0} faults in '{store.Path}'; `neutron summary --db {store.Path}` shows the tables");
        return ExitCodes.Ok;
    }

    /// <summary>Reports on the caller's thread (System.Progress posts to the thread pool, out of order).</summary>
    sealed class SyncProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }

    /// <summary>Parses stored fault texts back into the plan.</summary>
    public static List<PlannedFault> StoredPlan(CampaignStore store, long campaign) =>
        store.Faults(campaign).Select(f => new PlannedFault(f.Index, store.ParseFault(f.Index, f.Fault))).ToList();
}
