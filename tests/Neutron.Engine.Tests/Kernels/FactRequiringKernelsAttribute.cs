// A fact reported as skipped, with the reason, on a CPU that cannot run a kernel variant (AVX-512 tests on an
// AVX2-only machine): xunit 2 decides skips at discovery, so the check runs when the attribute is built.
using Neutron.Engine.Kernels;

namespace Neutron.Engine.Tests.Kernels;

public sealed class FactRequiringKernelsAttribute : FactAttribute
{
    public FactRequiringKernelsAttribute(KernelVariant variant)
    {
        if (!KernelSet.IsSupported(variant)) Skip = $"this CPU cannot run the {variant.ToString().ToLowerInvariant()} kernel set";
    }
}
