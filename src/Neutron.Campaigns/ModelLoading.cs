// Loading what a campaign runs: the model (checked to exist), its fault sites, and a FaultRunner over the data
// (golden run included), with every way it can fail turned into a CampaignException naming the file.
using Neutron.Engine.Data;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Faults.Formats;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Campaigns;

/// <summary>A runner and what a new campaign records about the classes: the model's class count and the names the
/// data carries (null when it carries none).</summary>
public sealed record LoadedModel(FaultRunner Runner, int Classes, string[]? ClassNames);

public static class ModelLoading
{
    /// <summary>The model's fault sites, weights stored in format and activations in datapath, without data or a
    /// golden run (for a dry run).</summary>
    public static SiteCatalog Sites(string modelPath, NumberFormat format, NumberFormat datapath)
    {
        RequireModel(modelPath);
        return SiteCatalog.Discover(new InferenceSession(OnnxReader.Load(modelPath)), format, datapath);
    }

    /// <summary>Loads the model and the first <paramref name="images"/> images and builds the runner.</summary>
    public static LoadedModel Load(string modelPath, string dataSpec, int? images, NumberFormat format, NumberFormat datapath, RunOptions options)
    {
        RequireModel(modelPath);
        _ = KernelSetName;
        if (options.Batch < 1) throw new CampaignException($"--batch {options.Batch} must be ≥ 1", "e.g. --batch 64 (faults per database transaction)");
        if (options.Threads < 1) throw new CampaignException($"--threads {options.Threads} must be ≥ 1", "e.g. --threads 2");
        if (images is < 1) throw new CampaignException($"--images {images} must be ≥ 1", "e.g. --images 1000, or leave it out to use every image");
        var model = OnnxReader.Load(modelPath);
        var data = CampaignFiles.ParseData(dataSpec).Load(new DataOptions { Limit = images ?? int.MaxValue });
        if (data.Count == 0) throw new CampaignException($"data '{dataSpec}' holds no images", "check the data spec", CampaignErrorKind.ModelOrData);
        DataChecks.ForClassifier(data, model, Path.GetFileName(modelPath));
        var set = new EvaluationSet(data.Images, data.Labels);
        try
        {
            var runner = new FaultRunner(model, set, new RunnerOptions
            {
                Format = format, Datapath = datapath, Threads = options.Threads, BatchSize = options.Batch, Plain = options.Plain, MemoryBudget = options.MemoryBudget,
            });
            int classes = model.Outputs.FirstOrDefault()?.Shape is { Length: > 0 } shape && shape[^1] > 0 ? shape[^1]
                : (int)Math.Max(runner.Golden.Labels.DefaultIfEmpty().Max(), runner.Golden.Top1.DefaultIfEmpty().Max()) + 1;
            return new LoadedModel(runner, classes, data.ClassNames);
        }
        catch (ArgumentException e)
        {
            throw new CampaignException($"cannot run faults on '{modelPath}' with '{dataSpec}': {e.Message}", "check the model's input with `neutron inspect MODEL`", CampaignErrorKind.ModelOrData);
        }
    }

    /// <summary>The arithmetic the engine runs, as campaigns record it (scalar or avx2; avx512 gives avx2's bits and records
    /// avx2): the CPU's best, or the one NEUTRON_KERNELS forces.</summary>
    public static string KernelSetName
    {
        get
        {
            try { return Neutron.Engine.Kernels.KernelSet.Name; }
            catch (TypeInitializationException e) when (e.InnerException is ArgumentException a)
            {
                throw new CampaignException(a.Message, $"unset {Neutron.Engine.Kernels.KernelSet.EnvironmentVariable}, or set it to one this CPU runs");
            }
        }
    }

    static void RequireModel(string modelPath)
    {
        if (!File.Exists(modelPath))
            throw new CampaignException($"model '{modelPath}' not found", "check the path of the ONNX model", CampaignErrorKind.ModelOrData);
    }

    /// <summary>Which runner path runs the faults, for a first progress line.</summary>
    public static string PathDescription(FaultRunner runner) => !runner.Accelerated
        ? $"plain runner ({runner.PlainReason})"
        : runner.CacheGroupCount == 1 ? "accelerated runner"
        : $"accelerated runner, golden cache in {runner.CacheGroupCount} image groups (raise --memory to hold it at once)";
}
