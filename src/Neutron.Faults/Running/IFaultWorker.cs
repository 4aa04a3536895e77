// What a fault runner's worker does: run all evaluation images with one fault (or none) and hand back each
// image's logits row. Worker is the plain full re-run (the `--plain` oracle); ConeWorker the accelerated one.
namespace Neutron.Faults.Running;

internal interface IFaultWorker
{
    void Run(Fault? fault, Action<int, ReadOnlySpan<float>> onRow);
}
