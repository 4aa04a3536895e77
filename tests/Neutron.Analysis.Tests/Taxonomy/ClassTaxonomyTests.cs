using Neutron.Analysis.Taxonomy;

namespace Neutron.Analysis.Tests.Taxonomy;

public class ClassTaxonomyTests
{
    private static string SamplePath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../../samples/taxonomy-fashion-mnist.yaml"));

    [Fact]
    public void FashionMnistSampleParses()
    {
        var t = ClassTaxonomy.Load(SamplePath());
        Assert.Equal(10, t.ClassCount);
        Assert.Equal("footwear", t.Supergroups[t.SupergroupOf(9)]);
        Assert.True(t.IsCriticalClass(5));
        Assert.False(t.IsCriticalClass(0));
        Assert.True(t.IsScm(7, 8));   // sneaker seen as bag
        Assert.False(t.IsScm(7, 9));  // sneaker seen as ankle boot: same supergroup
        Assert.False(t.IsScm(8, 7));  // bag seen as sneaker: bags are not safety-critical
    }

    private const string Head = "classes: [a, b, c]\nsupergroups:\n";

    [Fact]
    public void MissingClassIsNamed()
    {
        var e = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse(Head + "  s1:\n    safety_critical: true\n    groups:\n      g1: [a, b]\n", "t.yaml"));
        Assert.Contains("'c'", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void RepeatedClassIsNamed()
    {
        var e = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse(Head +
            "  s1:\n    safety_critical: true\n    groups:\n      g1: [a, b]\n  s2:\n    groups:\n      g2: [c, b]\n", "t.yaml"));
        Assert.Contains("'b'", e.Message);
        Assert.Contains("repeated", e.Message);
    }

    [Fact]
    public void UnknownClassAndNoCriticalSupergroupAreRefused()
    {
        var unknown = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse(Head + "  s1:\n    safety_critical: true\n    groups:\n      g1: [a, b, c, d]\n"));
        Assert.Contains("'d'", unknown.Message);
        var none = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse(Head + "  s1:\n    groups:\n      g1: [a, b, c]\n"));
        Assert.Contains("safety_critical", none.Message);
        var twice = Assert.Throws<TaxonomyException>(() => ClassTaxonomy.Parse("classes: [a, a]\nsupergroups:\n  s:\n    groups:\n      g: [a]\n"));
        Assert.Contains("'a'", twice.Message);
    }
}
