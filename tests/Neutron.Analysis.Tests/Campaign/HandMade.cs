// Small hand-made campaigns shared by the analysis tests; each expected number in the tests is worked out by hand
// from these.
using Neutron.Analysis.Campaign;

namespace Neutron.Analysis.Tests.Campaign;

internal static class HandMade
{
    public static FaultRecord Fault(long index, string layer, int images, int[] labels, params (int Image, int Top1)[] changed)
    {
        int correct = 0;
        var map = changed.ToDictionary(c => c.Image, c => c.Top1);
        for (int i = 0; i < images; i++) if ((map.TryGetValue(i, out int p) ? p : Golden3[i]) == labels[i]) correct++;
        return new FaultRecord(index, "weight", layer, layer + ".weight", index, 30, "flip", images, correct, changed.Length, 0,
            changed.Select(c => new ChangedPrediction(c.Image, c.Top1)).ToArray());
    }

    public static readonly int[] Labels3 = [0, 0, 1, 1, 2, 2];
    public static readonly int[] Golden3 = [0, 0, 1, 1, 2, 0];

    /// <summary>3 classes, 6 images (image 5 is golden-wrong: true 2, golden 0), one layer, two faults.</summary>
    public static CampaignData ThreeClasses() => new(3, Labels3, Golden3,
    [
        Fault(0, "L", 6, Labels3, (0, 2), (2, 0), (3, 0)),
        Fault(1, "L", 6, Labels3, (5, 2)),
    ]);
}
