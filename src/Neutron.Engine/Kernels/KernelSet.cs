// Which kernel variants the engine runs, chosen once per process: the best the CPU supports, or the one the
// environment variable NEUTRON_KERNELS forces (`scalar` = the plain reference loops, `avx2` = Vector256 + FMA).
// Campaigns record Name so results say which arithmetic produced them. Not a per-call switch: variants
// differ in float rounding, so one process uses one set throughout.
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public enum KernelVariant { Scalar, Avx2 }

public static class KernelSet
{
    public const string EnvironmentVariable = "NEUTRON_KERNELS";

    /// <summary>The variant every dispatching kernel uses in this process.</summary>
    public static KernelVariant Active { get; } = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static string Name => Active.ToString().ToLowerInvariant();

    /// <summary>Whether the CPU can run a variant (tests run every supported one).</summary>
    public static bool IsSupported(KernelVariant variant) => variant switch
    {
        KernelVariant.Scalar => true,
        KernelVariant.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    public static KernelVariant[] Supported =>
        Enum.GetValues<KernelVariant>().Where(IsSupported).ToArray();

    internal static KernelVariant Choose(string? forced)
    {
        if (string.IsNullOrWhiteSpace(forced))
            return IsSupported(KernelVariant.Avx2) ? KernelVariant.Avx2 : KernelVariant.Scalar;
        if (!Enum.TryParse<KernelVariant>(forced.Trim(), ignoreCase: true, out var v) || !Enum.IsDefined(v))
            throw new ArgumentException($"{EnvironmentVariable}='{forced}' is not a kernel set; use scalar or avx2");
        if (!IsSupported(v))
            throw new ArgumentException($"{EnvironmentVariable}={forced}: this CPU does not support it; use scalar");
        return v;
    }
}
