// Options of the fault runner (plain or accelerated); immutable, change with `with`.
using Neutron.Faults.Formats;

namespace Neutron.Faults.Running;

public sealed record RunnerOptions
{
    /// <summary>How weights are stored (the memory format, DESIGN §4): weight faults change these words.</summary>
    public NumberFormat Format { get; init; } = NumberFormat.Fp32;
    /// <summary>How activations are computed (the datapath format): node outputs are fake-quantised to it unless it
    /// is fp32, and activation faults change its words. Separate from Format because a model trained with quantised
    /// weights only (weight-only QAT) loses most of its accuracy when its activations saturate in, say, fxp8.6.</summary>
    public NumberFormat Datapath { get; init; } = NumberFormat.Fp32;
    /// <summary>Worker threads, each with its own model copy and session; results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Faults per sink batch (one store transaction).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Images per inference pass; bounds memory on large models.</summary>
    public int ImageChunk { get; init; } = 250;
    /// <summary>Images per chunk on the accelerated path (null: ImageChunk). Results do not depend on it; larger
    /// chunks measured slower on LeNet-5 (1,000 vs 250 images: their tensors outgrow the caches).</summary>
    public int? ConeChunk { get; init; }
    /// <summary>Images an activation fault walks through the network at a time on the accelerated path: a chunk's
    /// images go in groups of this many, so that what each node reads and writes for a group stays in the core's
    /// caches (ResNet-20's activation faults ran 8–15 % faster in groups of 24–64 than in chunks of 250).
    /// Results do not depend on it.</summary>
    public int WalkImages { get; init; } = 32;
    /// <summary>Full re-run per fault (the oracle of DESIGN §5) instead of cone re-execution over a golden cache.</summary>
    public bool Plain { get; init; }
    /// <summary>On the accelerated path, drop an image as soon as a rounding-aware bound proves its top-1 cannot change
    /// (MarginBound); FP32 only. Outcomes are the same either way; off, every perturbed image runs to the logits.</summary>
    public bool ProveUnchanged { get; init; } = true;
    /// <summary>Tests: each image ProveUnchanged dropped, with the fault and its bounds on the logits' changes.</summary>
    internal Action<Fault, int, double[]>? ProofObserver { get; init; }
    /// <summary>Bytes the golden cache may take; past it the images are cached in groups, recomputed per batch of faults.</summary>
    public long MemoryBudget { get; init; } = 1L << 30;
}
