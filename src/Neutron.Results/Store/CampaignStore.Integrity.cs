// A campaign's own invariants, checked before any number is read from it, in SQL both stores run: golden predictions
// one per image, outcome counts within the image count, every outcome and changed prediction tied to a planned
// fault, the plan as long as recorded. A damaged campaign gives a StoreException (exit 4), never a partial table.
// The stores' own structural checks (SQLite's quick_check and value types) live with them. Not a repair tool.
using System.Globalization;

namespace Neutron.Results.Store;

public abstract partial class CampaignStore
{
    protected const string Damaged = "the database is damaged: restore it from a copy, or run the campaign again into a new file";

    /// <summary>One number from a query with parameters @c (campaign), @n (its image count) and @g (an extra value).</summary>
    protected abstract long Count(string sql, long campaign, long images, long extra = 0);

    /// <summary>The store's own check that values have their declared types (SQLite columns take any value).</summary>
    protected virtual bool ValuesHaveTheirTypes(long campaign) => true;

    /// <summary>False for an older SQLite file read as recorded, without the protection columns.</summary>
    protected virtual bool HasProtectionColumns => true;

    /// <summary>The campaign's own invariants; throws a StoreException naming the first one broken.</summary>
    public void CheckCampaign(long campaign)
    {
        var s = Settings(campaign);
        long Q(string sql, long extra = 0) => Count(sql, campaign, s.Images, extra);
        void Require(bool ok, string what)
        {
            if (!ok) throw new StoreException($"campaign {campaign} in '{Path}' is inconsistent: {what}", Damaged);
        }
        Require(ValuesHaveTheirTypes(campaign), "values of the wrong type");
        Require(s.Images >= 0 && s.PlanSize >= 0, $"{s.Images} images, plan of {s.PlanSize} faults");
        long golden = Q("SELECT count(*) FROM golden WHERE campaign = @c;");
        Require(golden == 0 || golden == s.Images, $"{golden} golden predictions for {s.Images} images");
        Require(Q("SELECT count(*) FROM golden WHERE campaign = @c AND (image < 0 OR image >= @n OR label < 0 OR top1 < 0);") == 0,
            "golden predictions outside the images or classes");
        long goldenCorrect = Q("SELECT count(*) FROM golden WHERE campaign = @c AND label = top1;");
        Require(Q("""
            SELECT count(*) FROM outcomes WHERE campaign = @c AND (images <> @n OR faulty_correct < 0 OR faulty_correct > images
                OR sdc < 0 OR sdc > images OR nonfinite < 0 OR nonfinite > images OR golden_correct < 0 OR golden_correct > images);
            """) == 0, "outcomes whose counts exceed the image count");
        if (golden > 0)
            Require(Q("SELECT count(*) FROM outcomes WHERE campaign = @c AND golden_correct <> @g;", goldenCorrect) == 0,
                $"outcomes whose golden accuracy differs from the stored golden predictions ({goldenCorrect} of {golden} correct)");
        Require(Q("SELECT count(*) FROM outcomes o WHERE o.campaign = @c AND NOT EXISTS (SELECT 1 FROM faults f WHERE f.campaign = o.campaign AND f.fault_index = o.fault_index);") == 0,
            "outcomes of faults that are not in its plan");
        Require(Q("SELECT count(*) FROM predictions p WHERE p.campaign = @c AND (p.image < 0 OR p.image >= @n OR p.top1 < 0);") == 0,
            "changed predictions outside the images or classes");
        Require(Q("SELECT coalesce(sum(sdc), 0) FROM outcomes WHERE campaign = @c;") == Q("SELECT count(*) FROM predictions WHERE campaign = @c;"),
            "changed predictions that do not match the outcomes' SDC counts");
        if (HasProtectionColumns)
            Require(Q("SELECT count(*) FROM outcomes WHERE campaign = @c AND (protection NOT IN (0, 1, 2) OR protection <> 0 AND sdc <> 0);") == 0
                && (s.Protection.Length > 0 || Q("SELECT count(*) FROM outcomes WHERE campaign = @c AND protection <> 0;") == 0),
                "outcomes with a protection verdict that is not 0, 1 or 2, with SDCs, or in a campaign run without protection");
        long faults = Q("SELECT count(*) FROM faults WHERE campaign = @c;");
        bool adaptive = s.PlanSize == 0;
        bool whole = s.Shard == "1/1" || s.Shard.StartsWith("merged:", StringComparison.Ordinal) && IsCompleteMerge(s.Shard);
        if (!adaptive) Require(whole ? faults == s.PlanSize : faults <= s.PlanSize, $"{faults:N0} faults in its plan, {s.PlanSize:N0} recorded as planned");
    }

    /// <summary>"merged:1,2,3/3" holds every shard.</summary>
    static bool IsCompleteMerge(string shard)
    {
        var parts = shard["merged:".Length..].Split('/');
        return parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int n) && parts[0].Split(',').Distinct().Count() == n;
    }
}
