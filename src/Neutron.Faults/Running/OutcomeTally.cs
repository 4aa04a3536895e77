// One fault's outcome being counted image by image, possibly over several image groups (the runner's golden-cache
// groups): correct top-1, SDC against golden's top-1, non-finite logits, and the images whose top-1 changed.
using Neutron.Engine.Data;

namespace Neutron.Faults.Running;

internal sealed class OutcomeTally(GoldenRun golden, long[] labels)
{
    private readonly List<ImageTop1> changed = [];
    private int correct, sdc, nonFinite;

    /// <summary>Image groups this fault has run over so far.</summary>
    public int GroupsDone { get; set; }

    public void Add(int image, ReadOnlySpan<float> logits)
    {
        int top = TopK.ArgMax(logits);
        if (top == labels[image]) correct++;
        if (TopK.AnyNonFinite(logits)) nonFinite++;
        if (top == golden.Top1[image]) return;
        sdc++;
        changed.Add(new ImageTop1(image, top));
    }

    /// <summary>Images [start, start + count) whose outcome is golden's: counted without their logits.</summary>
    public void AddGolden(int start, int count)
    {
        correct += golden.CorrectIn(start, count);
        nonFinite += golden.NonFiniteIn(start, count);
    }

    /// <summary>The outcome over all images; changed predictions in image order.</summary>
    public FaultOutcome Outcome(long faultIndex, int images) =>
        new(faultIndex, images, golden.Correct, correct, sdc, nonFinite, [.. changed.OrderBy(c => c.Image)]);
}
