// The fault-free run of a campaign: the same model in the same format (DESIGN §4 "golden"), top-1 per image.
namespace Neutron.Faults.Running;

public sealed record GoldenRun(int[] Top1, long[] Labels, int Correct, int NonFinite)
{
    private int[]? correctBefore, nonFiniteBefore;

    public int Images => Top1.Length;

    /// <summary>Per image, whether its logits are all finite (every image when not given).</summary>
    public bool[]? Finite { get; init; }

    /// <summary>Correct images among [start, start + count).</summary>
    public int CorrectIn(int start, int count)
    {
        correctBefore ??= Prefix(n => Top1[n] == Labels[n]);
        return correctBefore[start + count] - correctBefore[start];
    }

    /// <summary>Images with a non-finite logit among [start, start + count).</summary>
    public int NonFiniteIn(int start, int count)
    {
        nonFiniteBefore ??= Prefix(n => Finite is { } f && !f[n]);
        return nonFiniteBefore[start + count] - nonFiniteBefore[start];
    }

    private int[] Prefix(Func<int, bool> counts)
    {
        var before = new int[Images + 1];
        for (int n = 0; n < Images; n++) before[n + 1] = before[n] + (counts(n) ? 1 : 0);
        return before;
    }
    public double Accuracy => Images == 0 ? 0 : (double)Correct / Images;
}
