using Neutron.Analysis.Taxonomy;
using Neutron.Analysis.Tests.Campaign;

namespace Neutron.Analysis.Tests.Taxonomy;

public class SafetyCriticalMisclassificationTests
{
    // a is safety-critical alone; b and c share a supergroup.
    private static readonly ClassTaxonomy Abc = ClassTaxonomy.Parse(
        "classes: [a, b, c]\nsupergroups:\n  s1:\n    safety_critical: true\n    groups:\n      ga: [a]\n  s2:\n    groups:\n      gbc: [b, c]\n");

    [Fact]
    public void CountsMatchTheHandWorkedCampaign()
    {
        var rows = SafetyCriticalMisclassification.Analyze(HandMade.ThreeClasses(), Abc).ToDictionary(r => r.Scope);
        // Golden: 5 right; image 5 (true c, predicted a) is wrong but c is not critical.
        Assert.Equal(new ScmRow("golden", 6, 5, 0, 1), rows["golden"]);
        // Golden-right images × 2 faults = 10: fault 0 sends image 0 (a) to c (SCM), images 2, 3 (b) to a (not SCM).
        Assert.Equal(new ScmRow("faulty | golden right", 10, 7, 1, 2), rows["faulty | golden right"]);
        // Image 5 × 2 faults: fault 1 repairs it, fault 0 leaves it wrong.
        Assert.Equal(new ScmRow("faulty | golden wrong", 2, 1, 0, 1), rows["faulty | golden wrong"]);
        Assert.Equal(new ScmRow("faulty (all)", 12, 8, 1, 3), rows["faulty (all)"]);
        Assert.Equal(0.1, rows["faulty | golden right"].ScmProbability, 12);
    }

    [Fact]
    public void ClassCountMismatchIsRefused()
    {
        var four = ClassTaxonomy.Parse("classes: [a, b, c, d]\nsupergroups:\n  s:\n    safety_critical: true\n    groups:\n      g: [a, b, c, d]\n");
        var e = Assert.Throws<TaxonomyException>(() => SafetyCriticalMisclassification.Analyze(HandMade.ThreeClasses(), four));
        Assert.Contains("4 classes", e.Message);
    }

    [Fact]
    public void LeavingTheGroupInsideACriticalSupergroupIsAnScm()
    {
        // Footwear is critical with two groups: an ankle boot seen as a sandal leaves its group (SCM); seen as a
        // sneaker it stays in its group (not an SCM).
        var shoes = ClassTaxonomy.Parse("classes: [sandal, sneaker, boot, bag]\nsupergroups:\n  footwear:\n    safety_critical: true\n    groups:\n"
            + "      open: [sandal]\n      closed: [sneaker, boot]\n  other:\n    groups:\n      bags: [bag]\n");
        Assert.True(shoes.IsScm(2, 0));
        Assert.False(shoes.IsScm(2, 1));
        Assert.True(shoes.IsScm(2, 3));
        Assert.False(shoes.IsScm(3, 0)); // bags are not critical
        Assert.False(shoes.IsScm(2, 2));
    }

    [Fact]
    public void ScmAndNonScmSharesOfMisclassificationsAddUpToOne()
    {
        var rows = SafetyCriticalMisclassification.Analyze(HandMade.ThreeClasses(), Abc);
        foreach (var r in rows.Where(r => r.Misclassified > 0))
            Assert.Equal(1.0, r.ScmShareOfMisclassifications + (double)r.NonScm / r.Misclassified, 12);
        Assert.Equal(1.0 / 3, rows.Single(r => r.Scope == "faulty | golden right").ScmShareOfMisclassifications, 12);
    }

    [Fact]
    public void ThousandClassTaxonomyIsAFewLines()
    {
        var t = ClassTaxonomy.Parse("class_count: 1000\nsupergroups:\n  animals:\n    safety_critical: true\n    groups:\n      dogs: [idx:151-268]\n      other-animals: [idx:0-150, idx:269-397]\n"
            + "  things:\n    groups:\n      objects: [idx:398-999]\n");
        Assert.Equal(1000, t.ClassCount);
        Assert.True(t.IsScm(200, 100));  // a dog seen as another animal
        Assert.False(t.IsScm(200, 201)); // a dog seen as another dog
        Assert.True(t.IsScm(200, 500));
        Assert.False(t.IsScm(500, 200));
        var gap = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse("class_count: 10\nsupergroups:\n  s:\n    safety_critical: true\n    groups:\n      g: [idx:0-8]\n"));
        Assert.Contains("'9' is missing", gap.Message);
        Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse("class_count: 10\nsupergroups:\n  s:\n    safety_critical: true\n    groups:\n      g: [idx:0-10]\n"));
    }

    [Fact]
    public void ClassNamesComeFromAFileBesideTheTaxonomy()
    {
        string dir = Directory.CreateTempSubdirectory("neutron-taxonomy-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "names.txt"), ["cat", "dog", "car"]);
            File.WriteAllText(Path.Combine(dir, "t.yaml"), "classes_file: names.txt\nsupergroups:\n  animals:\n    safety_critical: true\n    groups:\n      pets: [cat, dog]\n  things:\n    groups:\n      vehicles: [idx:2]\n");
            var t = ClassTaxonomy.Load(Path.Combine(dir, "t.yaml"));
            Assert.Equal(["cat", "dog", "car"], t.Classes);
            Assert.True(t.IsScm(0, 2));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
