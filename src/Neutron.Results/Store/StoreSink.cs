// The runner's outcome sink over the campaign store: each batch the runner delivers becomes one transaction, so a
// killed campaign loses at most the batch in flight and resume reruns exactly the faults without an outcome.
using Neutron.Faults.Running;

namespace Neutron.Results.Store;

public sealed class StoreSink(CampaignStore store, long campaign) : IOutcomeSink
{
    /// <summary>Outcomes newly stored by this sink (a replayed fault is not counted).</summary>
    public long Written { get; private set; }

    public void Write(IReadOnlyList<FaultOutcome> outcomes)
    {
        var batch = new StoredOutcome[outcomes.Count];
        for (int i = 0; i < batch.Length; i++) batch[i] = ToStored(outcomes[i]);
        Written += store.WriteBatch(campaign, batch);
    }

    /// <summary>The runner's outcome as the store keeps it.</summary>
    public static StoredOutcome ToStored(FaultOutcome o)
    {
        var changed = new (int, int)[o.Changed.Length];
        for (int j = 0; j < changed.Length; j++) changed[j] = (o.Changed[j].Image, o.Changed[j].Top1);
        return new StoredOutcome(o.FaultIndex, o.Images, o.GoldenCorrect, o.FaultyCorrect, o.Sdc, o.NonFinite, changed);
    }
}
