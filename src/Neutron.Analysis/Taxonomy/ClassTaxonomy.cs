// A class taxonomy: output classes → groups → supergroups, some supergroups flagged safety-critical (YAML file,
// format in samples/taxonomy-fashion-mnist.yaml). Parsing and validation only; the SCM analysis that uses it is
// SafetyCriticalMisclassification.cs. Every class must sit in exactly one group, every group in one supergroup.
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
    /// lies in another supergroup (a pedestrian seen as background; a coat seen as a shirt is not one).
    /// </summary>
    public bool IsScm(int trueClass, int predicted) =>
        IsCriticalClass(trueClass) && supergroupOf[predicted] != supergroupOf[trueClass];

    public static ClassTaxonomy Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"taxonomy file '{path}' not found", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static ClassTaxonomy Parse(string yaml, string name = "taxonomy")
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
                foreach (var cls in members ?? [])
                {
                    if (!index.TryGetValue(cls, out int c))
                        throw new TaxonomyException($"{name}: group '{gName}' names class '{cls}', which is not under 'classes'");
                    if (groupOf[c] >= 0)
                        throw new TaxonomyException($"{name}: class '{cls}' is repeated: it is in group '{groups[groupOf[c]]}' and in group '{gName}'");
                    groupOf[c] = g;
                    supergroupOf[c] = s;
                }
            }
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
        public Dictionary<string, SupergroupEntry?>? Supergroups { get; set; }
    }

    private sealed class SupergroupEntry
    {
        public bool SafetyCritical { get; set; }
        public Dictionary<string, List<string>?>? Groups { get; set; }
    }
}
