// Runs an adaptive plan into the store, round by round: each round's faults are written to the fault list before
// any runs, then run, then their outcomes close the strata that are done. Resuming replays the rounds from the
// stored outcomes (AdaptiveSampler is a pure function of them), checks each replayed fault against the stored
// list, and runs only what is missing, so a killed campaign ends identical to an uninterrupted one. Fixed plans
// run in CampaignHost.Execute.
using System.Globalization;
using System.Runtime.InteropServices;
using Neutron.Analysis.Planning;
using Neutron.Faults.Running;
using Neutron.Results.Store;

namespace Neutron.Cli.Campaigns;

public static class AdaptiveHost
{
    /// <summary>Runs (or continues) the adaptive campaign. Returns 0 when every stratum is closed, 130 when stopped.</summary>
    public static int Execute(CampaignStore store, long campaign, FaultRunner runner, AdaptiveSampler sampler)
    {
        var stored = store.Faults(campaign).ToDictionary(f => f.Index, f => f.Fault);
        var drops = store.Outcomes(campaign).ToDictionary(o => o.FaultIndex, o => o.Drop);
        var golden = runner.Golden;
        Console.Error.WriteLine($"golden accuracy {golden.Accuracy:P2} on {golden.Images} images; plan {sampler.Spec}: {sampler.Strata.Count} strata; "
            + $"{drops.Count:N0} faults already stored; {CampaignHost.PathDescription(runner)}");

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        var sink = new DropSink(new StoreSink(store, campaign), drops);
        try
        {
            while (true)
            {
                var round = sampler.NextRound();
                if (round.Count == 0) break;
                var fresh = new List<(long, string)>();
                foreach (var f in round)
                {
                    string text = f.Fault.ToString();
                    if (!stored.TryGetValue(f.Index, out var old)) { fresh.Add((f.Index, text)); stored[f.Index] = text; }
                    else if (old != text)
                        throw new UserError($"'{store.Path}' holds fault {f.Index} = {old}, but this adaptive plan draws {text} there",
                            "the database was made by another plan, seed or model; start a new campaign with another --db", ExitCodes.Storage);
                }
                // Written before it runs: a kill mid-round leaves the round's list for the resume to check against.
                if (fresh.Count > 0) store.AddFaults(campaign, fresh);
                var todo = round.Where(f => !drops.ContainsKey(f.Index)).ToList();
                if (todo.Count > 0)
                {
                    var last = DateTime.UtcNow;
                    runner.Run(todo, sink, new Progress(p =>
                    {
                        if ((DateTime.UtcNow - last).TotalSeconds < 2 || p.Done == p.Total) return;
                        last = DateTime.UtcNow;
                        Console.WriteLine($"round {sampler.Rounds}: {p.Done}/{p.Total} faults, ETA {p.Eta:hh\\:mm\\:ss}");
                    }), cancel.Token);
                }
                foreach (var f in round) sampler.RecordDrop(f.Index, drops[f.Index]);
                if (todo.Count > 0) Console.WriteLine(RoundLine(sampler, round.Count));
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"neutron: stopped; {store.OutcomeCount(campaign):N0} faults stored in '{store.Path}' (round {sampler.Rounds})");
            Console.Error.WriteLine($"hint: `neutron resume --db {store.Path}` continues where it stopped");
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        var strata = sampler.Strata;
        long exhausted = strata.Count(s => s.Exhausted);
        Console.Error.WriteLine($"done: {sampler.Drawn:N0} faults in {sampler.Rounds} rounds, {strata.Count} strata closed ({exhausted} exhausted) in '{store.Path}'; "
            + $"`neutron summary --db {store.Path}` shows the tables");
        return ExitCodes.Ok;
    }

    static string RoundLine(AdaptiveSampler sampler, int roundSize)
    {
        var strata = sampler.Strata;
        var spec = sampler.Spec;
        var open = strata.Where(s => !s.Exhausted && !AdaptiveSampler.Reached(s.Critical, s.Observed, spec.Margin, spec.Level)).ToList();
        var widest = open.MaxBy(s => s.Interval.HalfWidth);
        var inv = CultureInfo.InvariantCulture;
        string line = string.Create(inv, $"round {sampler.Rounds}: {roundSize} faults, {sampler.Drawn:N0} in all; {open.Count} of {strata.Count} strata still open");
        return widest is null ? line
            : line + string.Create(inv, $"; widest ±{100 * widest.Interval.HalfWidth:F2} pp ({widest.Name}: {widest.Critical}/{widest.Observed} critical)");
    }

    /// <summary>Stores outcomes and keeps each fault's drop for the stopping rule.</summary>
    sealed class DropSink(StoreSink inner, Dictionary<long, double> drops) : IOutcomeSink
    {
        public void Write(IReadOnlyList<FaultOutcome> outcomes)
        {
            inner.Write(outcomes);
            foreach (var o in outcomes) drops[o.FaultIndex] = o.Drop;
        }
    }

    /// <summary>Reports on the caller's thread.</summary>
    sealed class Progress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
