// Reads one stored campaign into the analyses' in-memory view (CampaignStore → CampaignData): golden predictions,
// outcomes joined with their fault text, sparse faulty predictions, and what the campaign recorded when it started
// (each site's layer, the strata's sizes, the class names). A campaign made before those were recorded gets them
// from the caller's fallback (the CLI rebuilds them from the model when it is still there). A database missing
// what the analyses need is refused with a StoreException.
using System.Globalization;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Planning;
using Neutron.Faults;

namespace Neutron.Results.Store;

public static class CampaignDataLoader
{
    public static CampaignData Load(CampaignStore store, long? campaignId = null, Func<CampaignSettings, CampaignDescription?>? fallback = null)
    {
        long id = store.SingleCampaign(campaignId);
        var settings = store.Settings(id);
        var golden = store.Golden(id);
        if (golden.Count == 0)
            throw new StoreException($"campaign {id} in '{store.Path}' has no golden predictions", "the campaign never started its golden run; run `neutron resume --db FILE`");
        for (int i = 0; i < golden.Count; i++)
            if (golden[i].Image != i)
                throw new StoreException($"campaign {id} in '{store.Path}' lacks the golden prediction of image {i}", "the database is incomplete; run `neutron resume --db FILE`");

        var description = store.Description(id);
        if (description.Sites.Count == 0 && fallback?.Invoke(settings) is { } rebuilt)
            description = new CampaignDescription
            {
                Sites = rebuilt.Sites,
                StratumSizes = description.StratumSizes.Count > 0 ? description.StratumSizes : rebuilt.StratumSizes,
                ClassNames = description.ClassNames.Count > 0 ? description.ClassNames : rebuilt.ClassNames,
            };
        var layerOf = new Dictionary<(string, string), string>();
        foreach (var site in description.Sites) layerOf.TryAdd((site.Target, site.Tensor), site.Layer);
        var per = Strata.Of(settings.Plan);
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
            var f = store.ParseFault(o.FaultIndex, o.Fault);
            var ch = changed.TryGetValue(o.FaultIndex, out var l) ? l.ToArray() : [];
            if (ch.Length != o.Sdc)
                throw new StoreException($"fault {o.FaultIndex} ({o.Fault}) in '{store.Path}' has sdc = {o.Sdc} but {ch.Length} stored faulty predictions",
                    "the analyses need every changed prediction; re-run the campaign with a neutron that stores them");
            string target = Fault.TargetText(f.Target);
            string layer = layerOf.TryGetValue((target, f.Tensor), out var name) ? name : f.Tensor;
            faults.Add(new FaultRecord(o.FaultIndex, target, layer, f.Tensor, f.Index, f.Bit, f.Model.ToString(),
                o.Images, o.FaultyCorrect, o.Sdc, o.NonFinite, ch) { Stratum = Strata.NameOf(per, f.Tensor, f.Bit) });
        }

        int classes = Math.Max(Math.Max(maxClass + 1, 2), description.ClassNames.Count);
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
            ["sites"] = settings.Sites.ToString(),
            ["planner"] = settings.Planner,
            ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
            ["kernel set"] = settings.KernelSet,
            ["shard"] = settings.Shard,
            ["tool version"] = settings.ToolVersion,
            ["created"] = settings.Created.ToString("u", CultureInfo.InvariantCulture),
            ["outcomes stored"] = settings.PlanSize == 0 ? $"{faults.Count} (adaptive plan: open-ended, stopped by its rule)" : $"{faults.Count} of {settings.PlanSize} planned faults",
        };
        if (settings.Protection.Length > 0)
        {
            // The report's settings table shows what the protection did; the rates are the residual ones.
            string scheme;
            try { var plan = Neutron.Analysis.Protection.ProtectionPlan.Parse(settings.Protection); scheme = $"{plan.Scheme} ({plan.Code})"; }
            catch (FormatException) { scheme = "unreadable"; }
            var (corrected, detected) = store.ProtectionCounts(id);
            meta["protection"] = $"{scheme}, {CampaignSettings.ProtectionName(settings.Protection)}";
            meta["faults corrected or outvoted"] = corrected.ToString(CultureInfo.InvariantCulture);
            meta["faults detected (not SDCs)"] = detected.ToString(CultureInfo.InvariantCulture);
        }
        // A layer's size: the elements of the tensors the campaign faulted in it (bit ranges are the same for all).
        var elements = description.Sites.GroupBy(x => (x.Target, x.Tensor)).ToDictionary(g => g.Key, g => Elements(g.First().Shape));
        Dictionary<string, double>? layerSizes = description.Sites.Count == 0 ? null : faults
            .Select(f => (f.Layer, Key: (f.Target, f.Tensor))).Distinct()
            .GroupBy(x => x.Layer, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(x => elements.GetValueOrDefault(x.Key, 0)), StringComparer.Ordinal);
        if (layerSizes is not null && layerSizes.Values.Any(v => v <= 0)) layerSizes = null;
        return new CampaignData(classes, golden.Select(g => g.Label).ToArray(), golden.Select(g => g.Top1).ToArray(), faults, meta)
        {
            ClassNames = description.ClassNames.Count == classes ? description.ClassNames : [],
            Stratification = per,
            StratumSizes = per == Stratification.None || description.StratumSizes.Count == 0 ? null : description.StratumSizes,
            LayerSizes = layerSizes,
            StoredWeightBits = description.Sites.Count == 0 ? null : (long)description.Sites.Where(x => x.Target == "weight").Sum(x => Elements(x.Shape)) * Width(settings.Format),
            CoversWeightMemory = settings.Target == "weights" && settings.FaultModel == "flip"
                && settings.Sites == new Neutron.Faults.Sites.SiteFilter { MinBit = 0, MaxBit = Width(settings.Format) - 1 },
        };
    }

    static int Width(string format)
    {
        try { return Neutron.Faults.Formats.NumberFormat.Parse(format).Width; }
        catch (Exception e) when (e is FormatException or ArgumentException or Neutron.Faults.FaultException) { return 0; }
    }

    /// <summary>Elements of a shape written "[a,b,c]"; 0 when it cannot be read.</summary>
    static double Elements(string shape)
    {
        double n = 1;
        foreach (var part in shape.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long d) || d < 0) return 0;
            n *= d;
        }
        return n;
    }
}
