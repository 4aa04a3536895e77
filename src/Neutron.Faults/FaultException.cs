// The fault layer's user-facing error: fault text, fault lists and --format strings that cannot be read, and
// faults that do not fit the model (unknown tensor, index out of range, bit beyond the format's width).
// A FormatException (DESIGN §7: undecodable or inconsistent input), so the CLI maps it to the model/data exit code.
namespace Neutron.Faults;

public sealed class FaultException : FormatException
{
    public FaultException(string message, int? line = null, Exception? inner = null)
        : base(line is { } l ? $"line {l}: {message}" : message, inner) => Line = line;

    /// <summary>1-based line of the fault list the error is about, when it came from a file.</summary>
    public int? Line { get; }

    /// <summary>The same error, located at a line of a fault list.</summary>
    public FaultException AtLine(int line) => new(Line is null ? Message : Message[(Message.IndexOf(": ", StringComparison.Ordinal) + 2)..], line, this);
}
