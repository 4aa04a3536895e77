// Runs a Campaign for `campaign` and `resume` with what a terminal user expects: the first lines (protection,
// golden accuracy, what is left), a progress bar with the running SDC estimate (Wilson interval) and the remaining
// time on a terminal, a plain line every two seconds on a pipe, one line per adaptive round, and a clean stop on
// Ctrl-C or SIGTERM (the batch in flight is committed; exit 130; `resume` continues).
using System.Globalization;
using System.Runtime.InteropServices;
using Neutron.Analysis.Statistics;
using Neutron.Campaigns;
using Spectre.Console;

namespace Neutron.Cli.Printing;

public static class CampaignConsole
{
    /// <summary>Runs the campaign to its end or to a stop. Returns the exit code: 0 done, 130 stopped.</summary>
    public static int Run(Campaign campaign, string dbPath)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        CampaignResult result;
        try
        {
            bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            result = interactive
                ? AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx => campaign.Run(new Printer(ctx), cancel.Token))
                : campaign.Run(new Printer(null), cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        if (!result.Completed)
        {
            string of = result.Total is { } total ? $" of {total:N0}" : "";
            string round = result.Total is null ? $" (round {result.Rounds})" : "";
            Console.Error.WriteLine($"neutron: stopped; {result.Stored:N0}{of} faults stored in '{dbPath}'{round}");
            Console.Error.WriteLine($"hint: `neutron resume --db {dbPath}` continues where it stopped");
            return ExitCodes.Interrupted;
        }
        Console.Error.WriteLine(result.Total is null
            ? $"done: {result.Drawn:N0} faults in {result.Rounds} rounds, {result.Strata} strata closed ({result.Exhausted} exhausted) in '{dbPath}'; `neutron summary --db {dbPath}` shows the tables"
            : $"done: {result.Stored:N0} faults in '{dbPath}'; `neutron summary --db {dbPath}` shows the tables");
        return ExitCodes.Ok;
    }

    /// <summary>Prints the events on the runner's thread, in order.</summary>
    sealed class Printer(ProgressContext? bar) : IProgress<CampaignEvent>
    {
        string _label = "SDC faults";
        ProgressTask? _task;
        DateTime _last = DateTime.UtcNow;

        public void Report(CampaignEvent e)
        {
            var inv = CultureInfo.InvariantCulture;
            switch (e)
            {
                case ProtectionApplied p:
                    Console.Error.WriteLine($"protection {p.Scheme} ({p.Code}): {p.Corrected:N0} faults corrected or outvoted, {p.Detected:N0} detected, stored without running; "
                        + $"{p.LeftToRun:N0} of {p.Considered:N0} left to run");
                    break;
                case RunStarted s:
                    // A stratified plan samples strata at different rates: the running share of injected faults is
                    // not the fault space's rate (summary and report weight it), so the line says so.
                    _label = s.Weighted ? "SDC faults (unweighted)" : "SDC faults";
                    Console.Error.WriteLine(s.Adaptive is { } plan
                        ? $"golden accuracy {s.GoldenAccuracy:P2} on {s.Images} images; plan {plan}: {s.Strata} strata; {s.Stored:N0} faults already stored; {s.RunnerPath}"
                        : $"golden accuracy {s.GoldenAccuracy:P2} on {s.Images} images; {s.Total:N0} faults, {s.Stored:N0} already stored, {s.ToRun:N0} to run; {s.RunnerPath}");
                    if (bar is not null && s.Adaptive is null && s.ToRun > 0)
                    {
                        // The bar counts work, not faults, so its remaining time follows the cost of what is left.
                        _task = bar.AddTask(Estimate(s.Stored, 0), maxValue: 1.0);
                        _task.Value = 0;
                    }
                    break;
                case FaultsDone d when d.Round is { } round:
                    if ((DateTime.UtcNow - _last).TotalSeconds < 2 || d.Done == d.Total) return;
                    _last = DateTime.UtcNow;
                    Console.WriteLine($"round {round}: {d.Done}/{d.Total} faults{Eta(d.Remaining)}");
                    break;
                case FaultsDone d:
                    if (_task is not null)
                    {
                        _task.Value = d.WorkDone;
                        _task.Description = Estimate(d.Done, d.SdcFaults);
                        return;
                    }
                    if ((DateTime.UtcNow - _last).TotalSeconds < 2 && d.Done < d.Total) return;
                    _last = DateTime.UtcNow;
                    Console.WriteLine($"{d.Done}/{d.Total} faults, {Estimate(d.Done, d.SdcFaults)}{Eta(d.Remaining)}");
                    break;
                case RoundFinished r:
                    string line = string.Create(inv, $"round {r.Round}: {r.Faults} faults, {r.Drawn:N0} in all; {r.Open} of {r.Strata} strata still open");
                    Console.WriteLine(r.Widest is not { } w ? line
                        : line + string.Create(inv, $"; widest ±{100 * w.Interval.HalfWidth:F2} pp ({w.Name}: {w.Critical}/{w.Observed} critical)"));
                    break;
            }
        }

        // A worker sharing a server's plan knows no remaining time: others take chunks beside it.
        static string Eta(TimeSpan? remaining) => remaining is { } r ? $", ETA {r:hh\\:mm\\:ss}" : "";

        string Estimate(long done, long sdc)
        {
            var w = Intervals.Wilson(sdc, done);
            return done == 0 ? $"{_label}: -" : $"{_label} {(double)sdc / done:P1} [{w.Lower:P1}–{w.Upper:P1}]";
        }
    }
}
