using Neutron.Analysis.Campaign;
using Neutron.Results.Store;
using Neutron.Results.Tests.Report;

namespace Neutron.Results.Tests.Store;

public class CampaignDataLoaderTests
{
    internal static string StoreOf(CampaignData d, string dir, bool dropPredictions = false)
    {
        string path = Path.Combine(dir, "campaign.db");
        using var store = SqliteCampaignStore.Open(path, create: true);
        var settings = new CampaignSettings
        {
            ToolVersion = "test", ModelPath = "/nonexistent/model.onnx", ModelSha256 = "00", DataSpec = "npy:x.npy,y.npy",
            Images = d.ImageCount, Format = "fp32", Target = "weights", FaultModel = "flip", Sites = Neutron.Faults.Sites.SiteFilter.All, Planner = "exhaustive",
            Seed = 1, KernelSet = "scalar", PlanSize = d.Faults.Count,
        };
        long id = store.CreateCampaign(settings, d.Faults.Select(f => (f.Index, $"{f.Target}:{f.Tensor}@{f.Element}#{f.Bit}")).ToArray());
        store.WriteGolden(id, Enumerable.Range(0, d.ImageCount).Select(i => new GoldenPrediction(i, d.Labels[i], d.GoldenTop1[i])).ToArray());
        store.WriteBatch(id, d.Faults.Select(f => new StoredOutcome(f.Index, f.Images, d.GoldenCorrect, f.FaultyCorrect, f.Sdc, f.NonFinite,
            dropPredictions && f.Sdc > 0 ? [] : f.Changed.Select(c => (c.Image, c.Top1)).ToArray())).ToArray());
        return path;
    }

    [Fact]
    public void RoundTripsThroughTheStore()
    {
        var original = SyntheticCampaign.Make(60);
        using var temp = new TempDirectory();
        string path = StoreOf(original, temp.Path);
        using var store = SqliteCampaignStore.Open(path, create: false);
        var loaded = CampaignDataLoader.Load(store);
        Assert.Equal(original.Labels, loaded.Labels);
        Assert.Equal(original.GoldenTop1, loaded.GoldenTop1);
        Assert.Equal(10, loaded.ClassCount);
        Assert.Equal(original.Faults.Count, loaded.Faults.Count);
        for (int i = 0; i < original.Faults.Count; i++)
        {
            var (a, b) = (original.Faults[i], loaded.Faults[i]);
            Assert.Equal((a.Index, a.Tensor, a.Element, a.Bit, a.FaultyCorrect, a.Sdc), (b.Index, b.Tensor, b.Element, b.Bit, b.FaultyCorrect, b.Sdc));
            Assert.Equal(a.Changed.OrderBy(c => c.Image), b.Changed);
            Assert.Equal(b.Tensor, b.Layer); // the model file is gone: the tensor stands for the layer
        }
        Assert.Equal("exhaustive", loaded.Settings["planner"]);
    }

    [Fact]
    public void MissingPredictionsAreRefused()
    {
        using var temp = new TempDirectory();
        string path = StoreOf(SyntheticCampaign.Make(60), temp.Path, dropPredictions: true);
        using var store = SqliteCampaignStore.Open(path, create: false);
        var e = Assert.Throws<StoreException>(() => CampaignDataLoader.Load(store));
        Assert.Contains("changed predictions that do not match the outcomes' SDC counts", e.Message);
    }
}
