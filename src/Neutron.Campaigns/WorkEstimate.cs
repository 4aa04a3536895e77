// How long the rest of a campaign will take, from how much work each fault costs rather than how many faults are
// left. The accelerated runner re-executes only the part of the network after a fault, so a fault in the first layer
// costs far more than one in the last: counting faults extrapolates a slow first layer over the whole plan (an
// exhaustive LeNet-5 run once said 16 hours and took 16 minutes). A fault's cost is taken as the elements of every
// activation from its layer to the output (what its cone may recompute per image); the plain path re-runs the whole
// network for every fault, so there all faults cost the same. The runner reports progress as a prefix of the list
// it was given, so the work done is a prefix sum.
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Campaigns;

internal sealed class WorkEstimate
{
    readonly double[] _prefix; // _prefix[i] = work of the first i faults

    public WorkEstimate(IReadOnlyList<PlannedFault> faults, SiteCatalog sites, bool accelerated)
    {
        var acts = sites.Activations;
        var after = new double[acts.Count + 1]; // after[i] = elements of activations i.. to the end
        for (int i = acts.Count - 1; i >= 0; i--) after[i] = after[i + 1] + acts[i].Elements;
        var firstOutputOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < acts.Count; i++)
        {
            firstOutputOf.TryAdd(acts[i].Layer, i);
            index[acts[i].Tensor] = i;
        }
        double whole = Math.Max(1, after[0]);
        double Cost(PlannedFault f)
        {
            if (!accelerated) return 1;
            var fault = f.Fault;
            int i = fault.Target == Neutron.Faults.FaultTarget.Activation
                ? index.GetValueOrDefault(fault.Tensor, 0)
                : sites.Find(fault.Target, fault.Tensor) is { } w ? firstOutputOf.GetValueOrDefault(w.Layer, 0) : 0;
            return Math.Max(1, after[i]) / whole;
        }
        _prefix = new double[faults.Count + 1];
        for (int i = 0; i < faults.Count; i++) _prefix[i + 1] = _prefix[i] + Cost(faults[i]);
    }

    /// <summary>Work of the whole list, in one unit.</summary>
    public double Total => _prefix[^1];

    /// <summary>Work of the list's first <paramref name="done"/> faults.</summary>
    public double Done(long done) => _prefix[Math.Clamp(done, 0, _prefix.Length - 1)];

    /// <summary>Time left after <paramref name="done"/> faults in <paramref name="elapsed"/>; null before any.</summary>
    public TimeSpan? Remaining(long done, TimeSpan elapsed)
    {
        double work = Done(done);
        if (work <= 0) return null;
        return TimeSpan.FromTicks((long)(elapsed.Ticks * (Total - work) / work));
    }
}
