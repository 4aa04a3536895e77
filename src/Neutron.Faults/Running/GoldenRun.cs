// The fault-free run of a campaign: the same model in the same format (DESIGN §4 "golden"), top-1 per image.
namespace Neutron.Faults.Running;

public sealed record GoldenRun(int[] Top1, long[] Labels, int Correct, int NonFinite)
{
    public int Images => Top1.Length;
    public double Accuracy => Images == 0 ? 0 : (double)Correct / Images;
}
