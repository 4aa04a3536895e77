// The engine's seam for fault injection and tracing (DESIGN §2): called after a node has written an output,
// before any consumer reads it; the observer may change the output in place.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Execution;

public interface IOutputObserver
{
    void OnOutput(PlannedNode node, int outputIndex, Tensor output);
}
