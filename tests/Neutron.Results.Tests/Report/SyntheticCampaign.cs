// A made-up but plausible campaign for report tests: 10 classes, 200 images, three layers × 32 bits, bit 30
// destructive, conv2 faults pulling predictions towards class 3 (a sink). Deterministic (counter RNG).
using Neutron.Analysis.Ber;
using Neutron.Analysis.Campaign;
using Neutron.Faults.Random;

namespace Neutron.Results.Tests.Report;

internal static class SyntheticCampaign
{
    public static readonly string[] FashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static CampaignData Make(int images = 200)
    {
        double U(ulong i, ulong s) => CounterRng.Uniform(11, i, s);
        var labels = Enumerable.Range(0, images).Select(i => (int)(U((ulong)i, 1) * 10)).ToArray();
        var golden = labels.Select((l, i) => U((ulong)i, 2) < 0.9 ? l : (l + 1 + (int)(U((ulong)i, 3) * 9)) % 10).ToArray();
        var faults = new List<FaultRecord>();
        long index = 0;
        foreach (var layer in new[] { "conv1", "conv2", "fc1" })
            for (int bit = 0; bit < 32; bit++)
                for (int e = 0; e < 12; e++, index++)
                {
                    double hit = bit == 30 ? 0.6 : bit is >= 27 and < 30 ? 0.05 : bit >= 23 ? 0.01 : 0.002;
                    var changed = new List<ChangedPrediction>();
                    for (int i = 0; i < images; i++)
                    {
                        if (U((ulong)index, (ulong)(1000 + i)) >= hit) continue;
                        int to = layer == "conv2" && U((ulong)index, (ulong)(5000 + i)) < 0.7 ? 3 : (int)(U((ulong)index, (ulong)(9000 + i)) * 10);
                        if (to != golden[i]) changed.Add(new ChangedPrediction(i, to));
                    }
                    int correct = 0;
                    var map = changed.ToDictionary(c => c.Image, c => c.Top1);
                    for (int i = 0; i < images; i++) if ((map.TryGetValue(i, out int p) ? p : golden[i]) == labels[i]) correct++;
                    faults.Add(new FaultRecord(index, "weight", layer, layer + ".weight", e, bit, "flip", images, correct, changed.Count,
                        bit == 30 && e % 5 == 0 ? changed.Count : 0, [.. changed]));
                }
        return new CampaignData(10, labels, golden, faults, new Dictionary<string, string>
        {
            ["model"] = "lenet5.onnx (synthetic outcomes)", ["seed"] = "11", ["planner"] = "exhaustive", ["format"] = "fp32",
        }) { ClassNames = FashionClasses };
    }

    public static BerResult Ber()
    {
        double[] rates = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3];
        var points = rates.Select((r, i) => new BerPoint(r, 20, r * 2e6, 0.9 - 0.2 * i * i / 4.0, Math.Max(0, 0.88 - 0.25 * i * i / 4.0), 0.9 - 0.15 * i * i / 4.0, i / 4.0)).ToArray();
        var samples = points.SelectMany(p => Enumerable.Range(0, 3).Select(s => new BerSample(p.Rate, s, (long)p.MeanFlips, p.MeanAccuracy))).ToArray();
        return new BerResult(0.9, 2_000_000, 0.9, 1.0, points, samples);
    }
}
