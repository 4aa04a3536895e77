// Which kernel variants the engine runs, chosen once per process: the best the CPU supports, or the one the
// environment variable NEUTRON_KERNELS forces (`scalar` = the plain reference loops, `avx2` = Vector256 + FMA,
// `avx512` = avx2 with Vector512 GEMM). Campaigns record Name, the arithmetic: avx512 computes avx2's bits (each
// element the same FMA chain), so both record `avx2` and their shards merge. Not a per-call switch: scalar and
// the vector sets differ in float rounding, so one process uses one set throughout.
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

public enum KernelVariant { Scalar, Avx2, Avx512 }

public static class KernelSet
{
    public const string EnvironmentVariable = "NEUTRON_KERNELS";

    /// <summary>The variant every dispatching kernel uses in this process.</summary>
    public static KernelVariant Active { get; } = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The arithmetic the active set computes, as campaigns record it: scalar or avx2 (avx512 included).</summary>
    public static string Name => Arithmetic(Active);

    /// <summary>The active variant itself (scalar, avx2 or avx512): the vector width benchmarks report.</summary>
    public static string VariantName => Active.ToString().ToLowerInvariant();

    public static string Arithmetic(KernelVariant variant) => variant == KernelVariant.Scalar ? "scalar" : "avx2";

    /// <summary>Whether the CPU can run a variant (tests run every supported one).</summary>
    public static bool IsSupported(KernelVariant variant) => variant switch
    {
        KernelVariant.Scalar => true,
        KernelVariant.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelVariant.Avx512 => Avx2.IsSupported && Fma.IsSupported && Avx512F.IsSupported,
        _ => false,
    };

    public static KernelVariant[] Supported =>
        Enum.GetValues<KernelVariant>().Where(IsSupported).ToArray();

    internal static KernelVariant Choose(string? forced)
    {
        if (string.IsNullOrWhiteSpace(forced))
            return IsSupported(KernelVariant.Avx512) ? KernelVariant.Avx512
                : IsSupported(KernelVariant.Avx2) ? KernelVariant.Avx2 : KernelVariant.Scalar;
        if (!Enum.TryParse<KernelVariant>(forced.Trim(), ignoreCase: true, out var v) || !Enum.IsDefined(v))
            throw new ArgumentException($"{EnvironmentVariable}='{forced}' is not a kernel set; use scalar, avx2 or avx512");
        if (!IsSupported(v))
            throw new ArgumentException($"{EnvironmentVariable}={forced}: this CPU does not support it; use {(IsSupported(KernelVariant.Avx2) ? "avx2 or scalar" : "scalar")}");
        return v;
    }
}
