// The files a campaign reads besides its model: checks and normal forms. The model's SHA-256 (its identity), the data
// spec with absolute paths (resume may run from any folder), a class-names file, a protection file.
using System.Globalization;
using System.Security.Cryptography;
using Neutron.Analysis.Protection;
using Neutron.Engine.Data;

namespace Neutron.Campaigns;

public static class CampaignFiles
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The data spec with every path made absolute, as a campaign records it.</summary>
    public static string AbsoluteDataSpec(string text)
    {
        var spec = ParseData(text);
        var parts = spec.Paths.Select(Path.GetFullPath).Concat(spec.Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}"));
        return spec.Format + ":" + string.Join(",", parts);
    }

    internal static DataSpec ParseData(string text)
    {
        try { return DataSpec.Parse(text); }
        catch (ArgumentException e) { throw new CampaignException(e.Message, "e.g. --data idx:/usr/share/datasets/fashion-mnist/t10k or npy:X.npy,Y.npy"); }
    }

    /// <summary>Class names from a text file, one per line in class-index order (Start checks it names every class).</summary>
    public static IReadOnlyList<string> ReadClassNames(string path)
    {
        if (!File.Exists(path)) throw new CampaignException($"class names file '{path}' not found", "give a text file with one class name per line, in class-index order", CampaignErrorKind.ModelOrData);
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>The class names a new campaign records: the given ones, else the data's own, else the indices.
    /// Never guessed from the class count.</summary>
    internal static IReadOnlyList<string> ClassNames(IReadOnlyList<string>? given, string[]? fromData, int classes)
    {
        if (given is not null)
        {
            if (given.Count != classes) throw new CampaignException($"the class names name {given.Count} classes; the model has {classes}", "one name per line, one line per class, in class-index order", CampaignErrorKind.ModelOrData);
            return given;
        }
        if (fromData is not null && fromData.Length == classes) return fromData;
        return Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Reads a protection file (`neutron protect --out`), checks it parses; returns its text.</summary>
    public static string ReadProtection(string path)
    {
        if (!File.Exists(path)) throw new CampaignException($"protection file '{path}' not found", "write one with `neutron protect --db FILE --scheme ... --out PROTECTION.json`", CampaignErrorKind.ModelOrData);
        string text = File.ReadAllText(path).Trim();
        ParseProtection(text, path);
        return text;
    }

    /// <summary>A protection's text (as given, or as stored with a campaign) parsed.</summary>
    public static ProtectionPlan ParseProtection(string text, string where)
    {
        try { return ProtectionPlan.Parse(text); }
        catch (FormatException e) { throw new CampaignException($"protection '{where}': {e.Message}", "write it with `neutron protect --db FILE --scheme ... --out PROTECTION.json`", CampaignErrorKind.ModelOrData); }
    }
}
