// The sizes past which the engine refuses a model at load, before allocating (docs/operators.md, Limits): one tensor
// holds at most MaxElements elements, and one execution plan (node outputs and constants folded at load; stored
// weights are bounded by the file) at most PlanBudgetBytes. A broken or hostile model then gets a ModelException
// naming the node, not OutOfMemory half way through a campaign. Not a memory manager: it only bounds the planner.
namespace Neutron.Engine;

public static class EngineLimits
{
    /// <summary>Elements of one tensor: 2^31 − 1 (tensors are indexed by int).</summary>
    public const int MaxElements = int.MaxValue;

    private static readonly AsyncLocal<long?> Override = new();

    /// <summary>Default plan budget: half the memory available to the process (RAM, or the container's limit), at least 1 GiB.</summary>
    public static long DefaultPlanBudgetBytes { get; } = Math.Max(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>Bytes one execution plan may allocate (default DefaultPlanBudgetBytes; see WithPlanBudget).</summary>
    public static long PlanBudgetBytes => Override.Value ?? DefaultPlanBudgetBytes;

    /// <summary>Lowers (or raises) the plan budget for the calling flow until the result is disposed.</summary>
    public static IDisposable WithPlanBudget(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var previous = Override.Value;
        Override.Value = bytes;
        return new Restore(previous);
    }

    /// <summary>Elements of a shape, saturating at long.MaxValue (no overflow whatever the dimensions).</summary>
    public static long Elements(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d <= 0) return 0;
            size = size > long.MaxValue / d ? long.MaxValue : size * d;
        }
        return size;
    }

    /// <summary>"1.5 GiB"-style byte count for messages.</summary>
    public static string Bytes(long bytes)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (bytes >= 1L << 30) return string.Create(c, $"{bytes / (double)(1L << 30):0.#} GiB");
        if (bytes >= 1L << 20) return string.Create(c, $"{bytes / (double)(1L << 20):0.#} MiB");
        return string.Create(c, $"{bytes} bytes");
    }

    private sealed class Restore(long? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
