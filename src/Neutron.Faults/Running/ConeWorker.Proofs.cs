// The cone walk's proofs (MarginBound): images whose top-1 a bound proves unchanged leave the walk early, their
// outcome golden's. ProofObserver sees each such image with its bounds (tests check them against the plain path).
namespace Neutron.Faults.Running;

internal sealed partial class ConeWorker
{
    // Drops the images whose top-1 a bound proves unchanged from the one perturbed value (unless that value was
    // tried already); 1 when none is left.
    private int Prove(ChunkGraph chunk, Fault fault, ref int tried)
    {
        int id = Array.FindIndex(perturbed, p => p is not null);
        if (id < 0 || id == tried || chunk.Sites[id] is null) return 0;
        tried = id;
        // A reshape carries its input's bound over unchanged: nothing new to prove.
        if (LogitGains.IsReshape(chunk.Plan.Nodes[chunk.Plan.Producers[id]].OpType)) return 0;
        var rows = perturbed[id]!;
        var gold = chunk.Gold[id]!;
        int width = chunk.Widths[id];
        // Rows that hold only their box are completed when some image has a chance (rarely before the last stage).
        if (rows.Sparse)
            foreach (int n in rows.Images)
                if (chunk.Bound!.Hopeful(chunk.Sites[id]!, n))
                {
                    rows.Complete(gold.Floats);
                    break;
                }
        int left = rows.Retain(r =>
        {
            int n = rows.Images[r], start = rows.DirtyStart, length = rows.DirtyEnd - start;
            return !Proven(chunk, id, fault, n, start, rows.Row(r).Slice(start, length), gold.Floats.Slice(n * width + start, length));
        });
        if (left > 0) return 0;
        pool.Return(rows);
        perturbed[id] = null;
        return 1;
    }

    // Whether image n's top-1 provably stays golden's with value id changed to `fresh` from element offset on.
    private bool Proven(ChunkGraph chunk, int id, Fault fault, int n, int offset, ReadOnlySpan<float> fresh, ReadOnlySpan<float> golden)
    {
        var bounds = boundScratch.Length == chunk.Bound!.Rows ? boundScratch : boundScratch = new double[chunk.Bound.Rows];
        if (!chunk.Bound.Unchanged(chunk.Sites[id]!, n, offset, fresh, golden, bounds)) return false;
        ProofObserver?.Invoke(fault, chunk.Start + n, bounds.ToArray());
        return true;
    }

    private double[] boundScratch = [];

    // Whether image n's top-1 provably stays golden's with value `gainsOf` changed by at most `changes` from
    // element offset on, the rounding still to come in the slack of `slackOf`.
    private bool ProvenBy(ChunkGraph chunk, MarginBound.Site gainsOf, MarginBound.Site slackOf, Fault fault, int n, int offset,
        ReadOnlySpan<double> changes)
    {
        var bounds = boundScratch.Length == chunk.Bound!.Rows ? boundScratch : boundScratch = new double[chunk.Bound.Rows];
        if (!chunk.Bound.Unchanged(gainsOf, slackOf, n, offset, changes, bounds)) return false;
        ProofObserver?.Invoke(fault, chunk.Start + n, bounds.ToArray());
        return true;
    }
}
