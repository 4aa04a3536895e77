// Reverse-mode autodiff: each op runs its forward at once (eagerly, with the engine's kernels) and records a
// closure that, run in reverse order, adds its inputs' gradients from its output's. One tape per step; Reset
// drops the records. Ops live in partial files Tape.<Op>.cs; their backward kernels in Kernels/*Backward.cs.
namespace Neutron.Engine.Autodiff;

public sealed partial class Tape
{
    private readonly List<Action> backward = [];

    /// <summary>Training mode: BatchNormalization uses and updates batch statistics.</summary>
    public bool Training { get; set; }

    /// <summary>False for inference on the tape (evaluation): ops compute but record nothing.</summary>
    public bool Recording { get; set; } = true;

    public int Count => backward.Count;

    public void Reset() => backward.Clear();

    /// <summary>Seeds d(loss)/d(loss) = 1 for a scalar loss and runs every recorded backward in reverse.</summary>
    public void Backward(Var loss)
    {
        if (loss.Length != 1) throw new ArgumentException($"backward needs a scalar loss, got {loss}", nameof(loss));
        loss.GradBuffer[0] = 1f;
        for (int i = backward.Count - 1; i >= 0; i--) backward[i]();
        backward.Clear();
    }

    private static bool Any(Var a) => a.RequiresGrad;
    private static bool Any(Var a, Var? b) => a.RequiresGrad || (b?.RequiresGrad ?? false);
    private static bool Any(Var a, Var? b, Var? c) => a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false);

    /// <summary>Records a backward step for an output that needs one; the step runs only if the output got a gradient.</summary>
    private Var Output(float[] data, int[] shape, bool requiresGrad, Action<float[]> step)
    {
        requiresGrad &= Recording;
        var y = new Var(data, shape, requiresGrad);
        if (requiresGrad)
            backward.Add(() => { if (y.Grad is { } g) step(g); });
        return y;
    }
}
