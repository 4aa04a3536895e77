// Reads one stored campaign into the analyses' in-memory view (CampaignStore → CampaignData): golden predictions,
// outcomes joined with their fault text, sparse faulty predictions. Layers come from the model file when it is still
// where the campaign found it (the weight's consuming node, the activation's producing node); otherwise the tensor
// name stands for the layer. A database missing what the analyses need is refused with a StoreException.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Engine.Data;
using Neutron.Engine.Graph;
using Neutron.Engine.Onnx;
using Neutron.Faults;
using Neutron.Faults.Sites;

namespace Neutron.Results.Store;

public static class CampaignDataLoader
{
    public static CampaignData Load(CampaignStore store, long? campaignId = null)
    {
        long id = store.SingleCampaign(campaignId);
        var settings = store.Settings(id);
        var golden = store.Golden(id);
        if (golden.Count == 0)
            throw new StoreException($"campaign {id} in '{store.Path}' has no golden predictions", "the campaign never started its golden run; run `neutron resume --db FILE`");
        for (int i = 0; i < golden.Count; i++)
            if (golden[i].Image != i)
                throw new StoreException($"campaign {id} in '{store.Path}' lacks the golden prediction of image {i}", "the database is incomplete; run `neutron resume --db FILE`");

        var model = TryLoadModel(settings.ModelPath);
        var layerOf = model is null ? null : LayerMap(model);
        var changed = new Dictionary<long, List<ChangedPrediction>>();
        int maxClass = golden.Max(g => Math.Max(g.Label, g.Top1));
        foreach (var (fault, image, top1) in store.Predictions(id))
        {
            if (!changed.TryGetValue(fault, out var list)) changed[fault] = list = [];
            list.Add(new ChangedPrediction(image, top1));
            maxClass = Math.Max(maxClass, top1);
        }

        var faults = new List<FaultRecord>();
        foreach (var o in store.Outcomes(id))
        {
            var f = Fault.Parse(o.Fault);
            var ch = changed.TryGetValue(o.FaultIndex, out var l) ? l.ToArray() : [];
            if (ch.Length != o.Sdc)
                throw new StoreException($"fault {o.FaultIndex} ({o.Fault}) in '{store.Path}' has sdc = {o.Sdc} but {ch.Length} stored faulty predictions",
                    "the analyses need every changed prediction; re-run the campaign with a neutron that stores them");
            string layer = layerOf is not null && layerOf.TryGetValue((f.Target, f.Tensor), out var name) ? name : f.Tensor;
            faults.Add(new FaultRecord(o.FaultIndex, Fault.TargetText(f.Target), layer, f.Tensor, f.Index, f.Bit, f.Model.ToString(),
                o.Images, o.FaultyCorrect, o.Sdc, o.NonFinite, ch));
        }

        int classes = Math.Max(maxClass + 1, 2);
        if (model?.Outputs.FirstOrDefault()?.Shape is { Length: > 0 } shape && shape[^1] > 0) classes = Math.Max(classes, shape[^1]);
        var meta = new Dictionary<string, string>
        {
            ["campaign"] = id.ToString(CultureInfo.InvariantCulture),
            ["model"] = settings.ModelPath,
            ["model SHA-256"] = settings.ModelSha256,
            ["data"] = settings.DataSpec,
            ["format"] = settings.Format,
            ["datapath"] = settings.Datapath,
            ["target"] = settings.Target,
            ["fault model"] = settings.FaultModel,
            ["filters"] = settings.Filters,
            ["planner"] = settings.Planner,
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["kernel set"] = settings.KernelSet,
            ["shard"] = settings.Shard,
            ["tool version"] = settings.ToolVersion,
            ["created"] = settings.Created.ToString("u", CultureInfo.InvariantCulture),
            ["outcomes stored"] = settings.PlanSize == 0 ? $"{faults.Count} (adaptive plan: open-ended, stopped by its rule)" : $"{faults.Count} of {settings.PlanSize} planned faults",
        };
        return new CampaignData(classes, golden.Select(g => g.Label).ToArray(), golden.Select(g => g.Top1).ToArray(), faults, meta)
        {
            ClassNames = classes == DataSpec.FashionMnistClasses.Length && settings.DataSpec.StartsWith("idx:", StringComparison.Ordinal)
                ? DataSpec.FashionMnistClasses : [],
        };
    }

    private static Model? TryLoadModel(string path)
    {
        if (!File.Exists(path)) return null;
        try { return OnnxReader.Load(path); }
        catch (Exception e) when (e is FormatException or IOException or Engine.ModelException) { return null; }
    }

    /// <summary>(target, tensor) → layer: the first Conv/Gemm/… consuming a weight, the node producing an activation.</summary>
    private static Dictionary<(FaultTarget, string), string> LayerMap(Model model)
    {
        var map = new Dictionary<(FaultTarget, string), string>();
        foreach (var node in model.Nodes)
        {
            string name = node.Name.Length > 0 ? node.Name : node.OpType;
            if (SiteCatalog.WeightOps.Contains(node.OpType))
                foreach (var input in node.Inputs)
                    if (input.Length > 0) map.TryAdd((FaultTarget.Weight, input), name);
            foreach (var output in node.Outputs)
                if (output.Length > 0) map.TryAdd((FaultTarget.Activation, output), name);
        }
        return map;
    }
}
