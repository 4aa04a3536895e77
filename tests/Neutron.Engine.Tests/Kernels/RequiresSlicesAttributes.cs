using Neutron.Engine.Kernels;
using Xunit;

namespace Neutron.Engine.Tests.Kernels;

// GemmSlices reproduce the vector kernel sets only; under NEUTRON_KERNELS=scalar (or a CPU without AVX2) callers run
// the full product instead, so these tests have nothing to check there and are reported skipped, not passed.
public sealed class FactRequiringSlicesAttribute : FactAttribute
{
    public FactRequiringSlicesAttribute()
    {
        if (!GemmSlices.Available) Skip = "GemmSlices are off under the scalar kernel set (NEUTRON_KERNELS=scalar or no AVX2)";
    }
}

public sealed class TheoryRequiringSlicesAttribute : TheoryAttribute
{
    public TheoryRequiringSlicesAttribute()
    {
        if (!GemmSlices.Available) Skip = "GemmSlices are off under the scalar kernel set (NEUTRON_KERNELS=scalar or no AVX2)";
    }
}
