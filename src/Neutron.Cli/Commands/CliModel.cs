// Helpers the commands share: loading a model into a session, parsing number lists, file-name-safe value names,
// and a Spectre console bound to the current Console writers (so tests that redirect Console see its output).
using System.Globalization;
using System.Text;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Spectre.Console;

namespace Neutron.Cli.Commands;

internal static class CliModel
{
    public static InferenceSession Load(FileInfo file)
    {
        if (!file.Exists) throw new UserError($"model file '{file.FullName}' not found", "check the path", ExitCodes.ModelOrData);
        return new InferenceSession(OnnxReader.Load(file.FullName));
    }

    /// <summary>"0.1,0.2" or several tokens of them, as floats; a usage error names the option and the bad item.</summary>
    public static float[]? Floats(string[]? tokens, string option)
    {
        if (tokens is null || tokens.Length == 0) return null;
        var values = new List<float>();
        foreach (var item in tokens.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!float.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                throw new UserError($"{option}: '{item}' is not a number", $"write {option} 0.5 or {option} 0.485,0.456,0.406");
            values.Add(v);
        }
        return [.. values];
    }

    /// <summary>Comma-separated or repeated names, flattened.</summary>
    public static string[] Names(string[]? tokens) =>
        tokens?.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() ?? [];

    /// <summary>A value name as a file name: characters other than letters, digits, '.', '_' and '-' become '_'.</summary>
    public static string FileName(string valueName)
    {
        var sb = new StringBuilder(valueName.Length);
        foreach (char c in valueName) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        string name = sb.ToString();
        // "." and ".." would name directories.
        return name.Trim('.').Length == 0 ? "_" + name : name;
    }

    public static IAnsiConsole Out()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        // Redirected output has no width; Spectre would wrap tables at 80 columns, which breaks grep and diff.
        if (Console.IsOutputRedirected) console.Profile.Width = 250;
        return console;
    }

    public static IAnsiConsole Error() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
