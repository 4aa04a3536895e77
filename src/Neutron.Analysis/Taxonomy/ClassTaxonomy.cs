// A class taxonomy: output classes → groups → supergroups, some supergroups flagged safety-critical (YAML file,
// format in samples/taxonomy-fashion-mnist.yaml). Classes are listed by name (`classes:`), read from a names file
// (`classes_file:`, one per line, relative to the taxonomy) or only counted (`class_count:`, names = indices); a group
// member is a class name or an index range `idx:A-B`, so a 1,000-class taxonomy is a few lines. Parsing and
// validation only; the SCM analysis that uses it is SafetyCriticalMisclassification.cs. Every class must sit in
// exactly one group, every group in one supergroup.
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Neutron.Analysis.Taxonomy;

/// <summary>A taxonomy file that cannot be used: the message names the file and the class or group at fault.</summary>
public sealed class TaxonomyException(string message) : FormatException(message);

public sealed class ClassTaxonomy
{
    private readonly int[] supergroupOf;
    private readonly int[] groupOf;

    private ClassTaxonomy(string[] classes, string[] groups, string[] supergroups, bool[] critical, int[] groupOf, int[] supergroupOf)
    {
        Classes = classes;
        Groups = groups;
        Supergroups = supergroups;
        SupergroupIsCritical = critical;
        this.groupOf = groupOf;
        this.supergroupOf = supergroupOf;
    }

    /// <summary>Class names in the model's output order.</summary>
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Groups { get; }
    public IReadOnlyList<string> Supergroups { get; }
    public IReadOnlyList<bool> SupergroupIsCritical { get; }

    public int ClassCount => Classes.Count;
    public int GroupOf(int cls) => groupOf[cls];
    public int SupergroupOf(int cls) => supergroupOf[cls];
    public bool IsCriticalClass(int cls) => SupergroupIsCritical[supergroupOf[cls]];

    /// <summary>
    /// A safety-critical misclassification: the true class lies in a safety-critical supergroup and the prediction
    /// leaves the true class's group, whether to another group of that supergroup (a closed shoe seen as an open one,
    /// a stop sign as a speed limit) or out of it (a pedestrian seen as background). Confusions within one group
    /// (two speed limits) and of classes outside safety-critical supergroups are not SCMs.
    /// </summary>
    public bool IsScm(int trueClass, int predicted) =>
        trueClass != predicted && IsCriticalClass(trueClass) && groupOf[predicted] != groupOf[trueClass];

    public static ClassTaxonomy Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"taxonomy file '{path}' not found", path);
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    public static ClassTaxonomy Parse(string yaml, string name = "taxonomy", string? folder = null)
    {
        TaxonomyFile file;
        try
        {
            var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
            file = deserializer.Deserialize<TaxonomyFile>(yaml) ?? throw new TaxonomyException($"{name}: the file is empty");
        }
        catch (YamlException e)
        {
            // YamlDotNet reports duplicate keys and type mismatches here, with a line and column.
            throw new TaxonomyException($"{name}: {e.Start}: {(e.InnerException ?? e).Message}");
        }
        int given = (file.Classes is null ? 0 : 1) + (file.ClassesFile is null ? 0 : 1) + (file.ClassCount is null ? 0 : 1);
        if (given != 1)
            throw new TaxonomyException($"{name}: give the classes once: 'classes' (names in output order), 'classes_file' (one name per line) or 'class_count'");
        if (file.ClassesFile is { } namesFile)
        {
            string namesPath = Path.Combine(folder ?? ".", namesFile);
            if (!File.Exists(namesPath)) throw new TaxonomyException($"{name}: classes_file '{namesPath}' not found");
            file.Classes = File.ReadAllLines(namesPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        }
        if (file.ClassCount is { } count)
        {
            if (count is < 2 or > 1_000_000) throw new TaxonomyException($"{name}: class_count {count} must lie in 2..1,000,000");
            file.Classes = Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        }
        if (file.Classes is not { Count: >= 2 })
            throw new TaxonomyException($"{name}: 'classes' must list the model's output classes in order (at least two)");
        if (file.Supergroups is not { Count: > 0 })
            throw new TaxonomyException($"{name}: 'supergroups' is missing or empty");

        var classes = file.Classes.ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classes.Length; i++)
            if (!index.TryAdd(classes[i], i))
                throw new TaxonomyException($"{name}: class '{classes[i]}' is listed twice under 'classes'");

        var groupOf = Enumerable.Repeat(-1, classes.Length).ToArray();
        var supergroupOf = new int[classes.Length];
        var groups = new List<string>();
        var supergroups = new List<string>();
        var critical = new List<bool>();
        var groupNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sgName, sg) in file.Supergroups)
        {
            int s = supergroups.Count;
            supergroups.Add(sgName);
            critical.Add(sg?.SafetyCritical ?? false);
            if (sg?.Groups is not { Count: > 0 })
                throw new TaxonomyException($"{name}: supergroup '{sgName}' has no groups");
            foreach (var (gName, members) in sg.Groups)
            {
                if (!groupNames.Add(gName))
                    throw new TaxonomyException($"{name}: group '{gName}' appears in more than one supergroup");
                int g = groups.Count;
                groups.Add(gName);
                foreach (var member in members ?? [])
                    foreach (int c in Members(member, gName))
                    {
                        if (groupOf[c] >= 0)
                            throw new TaxonomyException($"{name}: class '{classes[c]}' is repeated: it is in group '{groups[groupOf[c]]}' and in group '{gName}'");
                        groupOf[c] = g;
                        supergroupOf[c] = s;
                    }
            }
        }
        IEnumerable<int> Members(string member, string group)
        {
            if (index.TryGetValue(member, out int c)) return [c];
            if (member.StartsWith("idx:", StringComparison.Ordinal))
            {
                var ends = member[4..].Split('-', StringSplitOptions.TrimEntries);
                if (ends.Length is 1 or 2 && int.TryParse(ends[0], System.Globalization.CultureInfo.InvariantCulture, out int lo)
                    && int.TryParse(ends[^1], System.Globalization.CultureInfo.InvariantCulture, out int hi) && 0 <= lo && lo <= hi && hi < classes.Length)
                    return Enumerable.Range(lo, hi - lo + 1);
                throw new TaxonomyException($"{name}: group '{group}' has range '{member}'; write idx:A-B with 0 ≤ A ≤ B < {classes.Length}");
            }
            throw new TaxonomyException($"{name}: group '{group}' names class '{member}', which is not under 'classes'");
        }
        for (int c = 0; c < classes.Length; c++)
            if (groupOf[c] < 0)
                throw new TaxonomyException($"{name}: class '{classes[c]}' is missing: it is in no group");
        if (!critical.Contains(true))
            throw new TaxonomyException($"{name}: no supergroup is marked 'safety_critical: true', so no misclassification could be an SCM");
        return new ClassTaxonomy(classes, [.. groups], [.. supergroups], [.. critical], groupOf, supergroupOf);
    }

    /// <summary>Checks the taxonomy against a campaign's class count.</summary>
    public void CheckClassCount(int classCount)
    {
        if (classCount != Classes.Count)
            throw new TaxonomyException($"the taxonomy lists {Classes.Count} classes but the model has {classCount} outputs");
    }

    // The YAML shape; public setters because YamlDotNet fills them by reflection.
    private sealed class TaxonomyFile
    {
        public List<string>? Classes { get; set; }
        public string? ClassesFile { get; set; }
        public int? ClassCount { get; set; }
        public Dictionary<string, SupergroupEntry?>? Supergroups { get; set; }
    }

    private sealed class SupergroupEntry
    {
        public bool SafetyCritical { get; set; }
        public Dictionary<string, List<string>?>? Groups { get; set; }
    }
}
