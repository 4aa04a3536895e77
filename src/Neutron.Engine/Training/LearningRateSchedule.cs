// Learning rate as a function of training progress (epochs, fractional within an epoch).
// Constant; Step: × gamma at every StepEpochs; Cosine: from the base rate down to 0 over all epochs.
namespace Neutron.Engine.Training;

public enum ScheduleKind { Constant, Step, Cosine }

public sealed record LearningRateSchedule(ScheduleKind Kind, float BaseRate, int Epochs, int StepEpochs = 0, float Gamma = 0.1f)
{
    public float At(double epoch) => Kind switch
    {
        ScheduleKind.Constant => BaseRate,
        // Default step: decay at 50 % and 75 % of training, as ResNet recipes do, when no explicit step is given.
        ScheduleKind.Step when StepEpochs > 0 => BaseRate * MathF.Pow(Gamma, (int)(epoch / StepEpochs)),
        ScheduleKind.Step => BaseRate * MathF.Pow(Gamma, (epoch >= Epochs * 0.5 ? 1 : 0) + (epoch >= Epochs * 0.75 ? 1 : 0)),
        ScheduleKind.Cosine => (float)(BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, Epochs) / Math.Max(Epochs, 1)))),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown schedule"),
    };
}
