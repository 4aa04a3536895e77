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
}
