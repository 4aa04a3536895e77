// What a fault runner's worker does: run all evaluation images with one fault (or none) and hand back each
// image's logits row. Worker is the plain full re-run (the `--plain` oracle); ConeWorker the accelerated one.
namespace Neutron.Faults.Running;

internal interface IFaultWorker
{
    /// <summary>
    /// Runs the images with the fault and hands each image's logits to onRow. With onGolden, only outcomes are wanted:
    /// runs of images (start, count) whose outcome is golden's may come there instead, and an image whose top-1 a
    /// bound proves unchanged counts as golden (the accelerated path stops early there).
    /// </summary>
    void Run(Fault? fault, Action<int, ReadOnlySpan<float>> onRow, Action<int, int>? onGolden = null);
}
