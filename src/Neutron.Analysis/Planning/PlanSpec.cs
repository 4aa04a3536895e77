// The `--plan` notation, parsed: exhaustive | random:COUNT | stratified:per=layer|bit|layer-bit,count=K |
// statistical:margin=E,confidence=C[,per=layer|bit|layer-bit][,p=P] |
// adaptive:margin=E,level=L[,per=...][,batch=B][,tolerance=T] | importance:count=N[,alpha=A][,damage=D][,score=margin|ce].
// Syntax only: FaultPlanner turns a fixed spec, a
// fault space and a seed into the list of faults; AdaptiveSampler draws an adaptive one round by round.
// ToString gives the canonical text stored with a campaign.
using System.Globalization;

namespace Neutron.Analysis.Planning;

/// <summary>How the space is cut into strata: none (the whole space), one per layer (fault site), one per bit
/// position, or one per (layer, bit).</summary>
public enum Stratification
{
    None,
    Layer,
    Bit,
    LayerBit,
}

public abstract record PlanSpec
{
    public static PlanSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        int colon = t.IndexOf(':');
        string kind = colon < 0 ? t : t[..colon];
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        string? bare = null;
        if (colon >= 0)
        {
            foreach (var part in t[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = part.IndexOf('=');
                if (eq < 0) { bare = bare is null ? part : throw Bad(text, $"'{part}' is not KEY=VALUE"); continue; }
                if (!keys.TryAdd(part[..eq], part[(eq + 1)..])) throw Bad(text, $"'{part[..eq]}' is given twice");
            }
        }
        switch (kind)
        {
            case "exhaustive":
                if (colon >= 0) throw Bad(text, "exhaustive takes no options");
                return new ExhaustivePlan();
            case "random":
            {
                string? count = bare ?? keys.GetValueOrDefault("count");
                Only(text, keys, "count");
                return new RandomPlan(PositiveLong(text, "count", count ?? throw Bad(text, "write random:COUNT, e.g. random:1000")));
            }
            case "stratified":
            {
                if (bare is not null) throw Bad(text, $"'{bare}' is not KEY=VALUE");
                Only(text, keys, "per", "count");
                var per = Per(text, keys.GetValueOrDefault("per") ?? throw Bad(text, "write stratified:per=layer|bit|layer-bit,count=K"));
                if (per == Stratification.None) throw Bad(text, "stratified needs per=layer, bit or layer-bit");
                return new StratifiedPlan(per, PositiveLong(text, "count", keys.GetValueOrDefault("count") ?? throw Bad(text, "count=K (faults per stratum) is missing")));
            }
            case "statistical":
            {
                if (bare is not null) throw Bad(text, $"'{bare}' is not KEY=VALUE");
                Only(text, keys, "margin", "confidence", "per", "p");
                double margin = Fraction(text, "margin", keys.GetValueOrDefault("margin") ?? "0.01");
                double confidence = Fraction(text, "confidence", keys.GetValueOrDefault("confidence") ?? "0.99");
                double p = Fraction(text, "p", keys.GetValueOrDefault("p") ?? "0.5");
                var per = keys.TryGetValue("per", out var perText) ? Per(text, perText) : Stratification.None;
                return new StatisticalPlan(margin, confidence, per, p);
            }
            case "adaptive":
            {
                if (bare is not null) throw Bad(text, $"'{bare}' is not KEY=VALUE");
                Only(text, keys, "margin", "level", "per", "batch", "tolerance");
                double margin = Fraction(text, "margin", keys.GetValueOrDefault("margin") ?? "0.01");
                double level = Fraction(text, "level", keys.GetValueOrDefault("level") ?? "0.99");
                var per = keys.TryGetValue("per", out var perText) ? Per(text, perText) : Stratification.None;
                long batch = PositiveLong(text, "batch", keys.GetValueOrDefault("batch") ?? AdaptivePlan.DefaultBatch.ToString(CultureInfo.InvariantCulture));
                if (batch > int.MaxValue) throw Bad(text, $"batch {batch} is too large");
                string tolText = keys.GetValueOrDefault("tolerance") ?? "1";
                if (!double.TryParse(tolText, NumberStyles.Float, CultureInfo.InvariantCulture, out double tolerance) || !(tolerance >= 0 && tolerance < 100))
                    throw Bad(text, $"tolerance '{tolText}' must be a number of percentage points in [0, 100)");
                return new AdaptivePlan(margin, level, per, (int)batch, tolerance);
            }
            case "importance":
            {
                string? count = bare ?? keys.GetValueOrDefault("count");
                Only(text, keys, "count", "alpha", "damage", "score");
                long n = PositiveLong(text, "count", count ?? throw Bad(text, "write importance:count=N, e.g. importance:count=500"));
                string alphaText = keys.GetValueOrDefault("alpha") ?? "0.1";
                if (!double.TryParse(alphaText, NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) || !(alpha > 0 && alpha <= 1))
                    throw Bad(text, $"alpha '{alphaText}' must lie in (0, 1]: the uniform share of the proposal, which bounds every weight p/q by 1/alpha");
                // Unsaid, the damage share is its default where α leaves room for it (alpha=1 stays uniform).
                string damageText = keys.GetValueOrDefault("damage") ?? Math.Round(Math.Min(ImportancePlan.DefaultDamage, 1 - alpha), 12).ToString(CultureInfo.InvariantCulture);
                if (!double.TryParse(damageText, NumberStyles.Float, CultureInfo.InvariantCulture, out double damage) || !(damage >= 0 && damage <= 1 - alpha + 1e-12))
                    throw Bad(text, $"damage '{damageText}' must lie in [0, 1 − alpha]: the share of the proposal drawn by how far a flip moves its value");
                var score = (keys.GetValueOrDefault("score") ?? "margin") switch
                {
                    "margin" => ImportanceScore.Margin,
                    "ce" or "cross-entropy" => ImportanceScore.CrossEntropy,
                    var other => throw Bad(text, $"score={other} is unknown; use margin (golden top-1 margin) or ce (cross-entropy on the labels)"),
                };
                return new ImportancePlan(n, alpha, score, damage);
            }
            default:
                throw Bad(text, "use exhaustive, random:COUNT, stratified:per=layer|bit|layer-bit,count=K, statistical:margin=0.01,confidence=0.99[,per=layer|bit|layer-bit], adaptive:margin=0.01,level=0.99[,per=layer|layer-bit][,batch=B] or importance:count=N[,alpha=0.1][,damage=0.3][,score=margin|ce]");
        }
    }

    public static string PerText(Stratification per) => per switch
    {
        Stratification.Layer => "layer",
        Stratification.Bit => "bit",
        Stratification.LayerBit => "layer-bit",
        _ => "none",
    };

    static Stratification Per(string text, string value) => value switch
    {
        "none" or "network" => Stratification.None,
        "layer" => Stratification.Layer,
        "bit" => Stratification.Bit,
        "layer-bit" or "layerbit" or "layer+bit" => Stratification.LayerBit,
        _ => throw Bad(text, $"per={value} is unknown; use layer, bit or layer-bit"),
    };

    static void Only(string text, Dictionary<string, string> keys, params string[] allowed)
    {
        foreach (var k in keys.Keys)
            if (!allowed.Contains(k)) throw Bad(text, $"option '{k}' is unknown here (it takes {string.Join(", ", allowed)})");
    }

    static long PositiveLong(string text, string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : throw Bad(text, $"{name} '{value}' is not a positive integer");

    static double Fraction(string text, string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && x < 1 ? x
            : throw Bad(text, $"{name} '{value}' must be a number strictly between 0 and 1");

    static ArgumentException Bad(string text, string why) => new($"plan '{text}': {why}");
}

/// <summary>Every position of the space, in order.</summary>
public sealed record ExhaustivePlan : PlanSpec
{
    public override string ToString() => "exhaustive";
}

/// <summary>COUNT positions drawn uniformly without replacement over the whole space.</summary>
public sealed record RandomPlan(long Count) : PlanSpec
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"random:{Count}");
}

/// <summary>Count positions per stratum, uniformly without replacement within each (all of a smaller stratum).</summary>
public sealed record StratifiedPlan(Stratification Per, long Count) : PlanSpec
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"stratified:per={PerText(Per)},count={Count}");
}

/// <summary>Leveugle et al. 2009 sample size, network-wide or per stratum, then uniform sampling within it.</summary>
public sealed record StatisticalPlan(double Margin, double Confidence, Stratification Per = Stratification.None, double P = 0.5) : PlanSpec
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"statistical:margin={Margin},confidence={Confidence}{(Per == Stratification.None ? "" : ",per=" + PerText(Per))}{(P == 0.5 ? "" : $",p={P}")}");
}

/// <summary>Bayesian adaptive stopping: per stratum, draw faults uniformly without replacement in rounds of
/// <paramref name="Batch"/> until the equal-tailed Jeffreys credible interval (at <paramref name="Level"/>) of the
/// critical(τ) rate, τ = <paramref name="Tolerance"/> percentage points of accuracy drop, has a half-width ≤
/// <paramref name="Margin"/>, or the stratum is exhausted. Open-ended: AdaptiveSampler draws it.</summary>
public sealed record AdaptivePlan(double Margin, double Level, Stratification Per = Stratification.None, int Batch = AdaptivePlan.DefaultBatch, double Tolerance = 1.0) : PlanSpec
{
    public const int DefaultBatch = 100;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"adaptive:margin={Margin},level={Level}{(Per == Stratification.None ? "" : ",per=" + PerText(Per))},batch={Batch},tolerance={Tolerance}");
}

/// <summary>The loss whose gradient scores a fault position for an importance plan.</summary>
public enum ImportanceScore
{
    /// <summary>The golden top-1 margin: how close a change brings each image to another answer.</summary>
    Margin,
    /// <summary>Cross-entropy on the data set's labels.</summary>
    CrossEntropy,
}

/// <summary>Importance sampling: <paramref name="Count"/> positions drawn independently (with replacement) from
/// q = α·uniform + γ·damage/Σdamage + (1 − α − γ)·score/Σscore over the space (γ = <paramref name="Damage"/>), the
/// score a gradient sensitivity of each (site, element, bit), the damage how far its fault moves the value
/// (ImportanceScores). Every stored fault keeps p (uniform over the space) and q, so rates are estimated with the
/// weight p/q (ImportanceEstimate).</summary>
public sealed record ImportancePlan(long Count, double Alpha = 0.1, ImportanceScore Score = ImportanceScore.Margin, double Damage = ImportancePlan.DefaultDamage) : PlanSpec
{
    /// <summary>The damage prior's default share: see docs/campaigns.md for the measurement that chose it.</summary>
    public const double DefaultDamage = 0.3;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"importance:count={Count},alpha={Alpha},damage={Damage},score={(Score == ImportanceScore.Margin ? "margin" : "ce")}");
}
