// Runs the command line and turns exceptions into DESIGN §7's exit codes: one line plus a hint for user errors,
// a stack trace only for internal errors.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Neutron.Engine;

namespace Neutron.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 2;
    public const int ModelOrData = 3;
    public const int Storage = 4;
    public const int Interrupted = 130;
    public const int Internal = 70;
}

/// <summary>A user error the CLI reports as one line and a hint, with its exit code.</summary>
public sealed class UserError(string message, string hint, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public string Hint { get; } = hint;
    public int ExitCode { get; } = exitCode;
}

public static class CliRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        // System.CommandLine answers parse errors with its help text and exit 1; we print one line and exit 2.
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            string command = string.Join(' ', CommandPath(parse.CommandResult.Command));
            // A stray word explains more than the "required command" error it causes, so report it first.
            var error = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal))) ?? parse.Errors[0];
            Console.Error.WriteLine($"neutron: {error.Message}");
            Console.Error.WriteLine($"hint: see `{command} --help`");
            return ExitCodes.Usage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = Console.Out, Error = Console.Error });
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    private static IEnumerable<string> CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c is RootCommand ? "neutron" : c.Name);
        return names;
    }

    public static int Report(Exception e)
    {
        var (code, hint) = e switch
        {
            UserError u => (u.ExitCode, u.Hint),
            Neutron.Campaigns.CampaignException c => (c.Kind switch
            {
                Neutron.Campaigns.CampaignErrorKind.ModelOrData => ExitCodes.ModelOrData,
                Neutron.Campaigns.CampaignErrorKind.Storage => ExitCodes.Storage,
                _ => ExitCodes.Usage,
            }, c.Hint),
            Neutron.Results.Store.StoreException s => (ExitCodes.Storage, s.Hint),
            Microsoft.Data.Sqlite.SqliteException q => (ExitCodes.Storage, Neutron.Results.Store.SqliteCampaignStore.Explain(q, "the database").Hint),
            ModelException m => (ExitCodes.ModelOrData, m.Code switch
            {
                ModelErrorCode.UnsupportedOperator or ModelErrorCode.UnsupportedOpset => "see docs/operators.md for what the engine serves",
                ModelErrorCode.InputMismatch => "check the input's shape and type with `neutron inspect MODEL`",
                ModelErrorCode.ExternalData => "keep external data files in the model's folder",
                _ => "check the model with `neutron inspect MODEL`",
            }),
            Neutron.Engine.Data.DataException => (ExitCodes.ModelOrData, "check that the data set matches the model: labels 0 to classes−1, finite pixels"),
            FormatException => (ExitCodes.ModelOrData, "the file is damaged or not in the expected format"),
            FileNotFoundException or DirectoryNotFoundException => (ExitCodes.ModelOrData, "check the path"),
            UnauthorizedAccessException => (ExitCodes.Storage, "check file permissions"),
            IOException => (ExitCodes.Storage, "check the disk and the path"),
            OperationCanceledException => (ExitCodes.Interrupted, "interrupted; `neutron resume` continues a campaign"),
            _ => (ExitCodes.Internal, ""),
        };
        if (code == ExitCodes.Internal)
        {
            Console.Error.WriteLine($"neutron: internal error: {e}");
            Console.Error.WriteLine("hint: this is a bug in neutron; please report it with the command line");
            return code;
        }
        Console.Error.WriteLine($"neutron: {e.Message}");
        if (hint.Length > 0) Console.Error.WriteLine($"hint: {hint}");
        return code;
    }
}
