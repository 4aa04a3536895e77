// Progress of long work on stderr, as every command prints it: on a terminal one line rewritten in place; on a pipe
// or file a plain line at most every two seconds and at the end (never "1/80 samples2/80 samples…" on one line).
// Reports arrive on the worker's thread and are printed at once, in order (System.Progress would post them to the
// thread pool, out of order).
namespace Neutron.Cli.Printing;

public static class ProgressLines
{
    public static IProgress<(int Done, int Total)> Create(string unit, bool quiet = false) =>
        quiet ? new Sync(_ => { }) : Console.IsErrorRedirected ? Plain(unit) : InPlace(unit);

    static Sync InPlace(string unit) => new(p =>
    {
        Console.Error.Write($"\r{p.Done}/{p.Total} {unit}");
        if (p.Done >= p.Total) Console.Error.WriteLine();
    });

    static Sync Plain(string unit)
    {
        var last = DateTime.MinValue;
        return new Sync(p =>
        {
            if (p.Done < p.Total && (DateTime.UtcNow - last).TotalSeconds < 2) return;
            last = DateTime.UtcNow;
            Console.Error.WriteLine($"{p.Done}/{p.Total} {unit}");
        });
    }

    sealed class Sync(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
