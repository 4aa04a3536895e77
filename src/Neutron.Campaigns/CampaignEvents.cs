// What a running campaign reports through the IProgress passed to Campaign.Run, on the thread that called Run and in
// order. A command prints them; a C# user may ignore them.
using Neutron.Analysis.Planning;

namespace Neutron.Campaigns;

public abstract record CampaignEvent;

/// <summary>Faults a protection decided before anything ran: corrected or outvoted ones have no effect, detected ones
/// are counted apart. <paramref name="LeftToRun"/> of <paramref name="Considered"/> still run.</summary>
public sealed record ProtectionApplied(string Scheme, string Code, long Corrected, long Detected, long LeftToRun, long Considered) : CampaignEvent;

/// <summary>The run begins. <paramref name="Total"/> is the plan's size (null for an adaptive plan, open-ended);
/// <paramref name="Adaptive"/> its plan and strata when adaptive. <paramref name="Weighted"/>: the plan samples
/// strata at different rates, so the running share of SDC faults is not the fault space's rate.</summary>
public sealed record RunStarted(double GoldenAccuracy, int Images, long? Total, long Stored, long ToRun, string RunnerPath,
    bool Weighted, AdaptivePlan? Adaptive = null, int Strata = 0) : CampaignEvent;

/// <summary>Faults done so far. Fixed plans: <paramref name="Done"/> and <paramref name="SdcFaults"/> count the whole
/// campaign (stored before included) and <paramref name="WorkDone"/> is the share of this run's work done (faults
/// late in the network cost less); adaptive plans: the current round.</summary>
public sealed record FaultsDone(long Done, long Total, long SdcFaults, double WorkDone, TimeSpan? Remaining, int? Round = null) : CampaignEvent;

/// <summary>An adaptive round ended: its size, faults drawn in all, strata still open and the widest interval among them.</summary>
public sealed record RoundFinished(int Round, int Faults, long Drawn, int Open, int Strata, AdaptiveStratum? Widest) : CampaignEvent;

/// <summary>How a run ended. <paramref name="Completed"/> is false when it was cancelled (what ran is stored;
/// Resume continues). Adaptive plans fill the round and strata counts.</summary>
public sealed record CampaignResult(bool Completed, long Stored, long? Total, int Rounds = 0, long Drawn = 0, int Strata = 0, int Exhausted = 0);

/// <summary>Hands each event to <paramref name="handler"/> at once, on the thread that reports it (System.Progress
/// would post it to the thread pool, out of order).</summary>
public sealed class CampaignProgress(Action<CampaignEvent> handler) : IProgress<CampaignEvent>
{
    public void Report(CampaignEvent value) => handler(value);
}
