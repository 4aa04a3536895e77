// Refuses a damaged database before any number is read from it: SQLite's own quick_check when the file opens, then
// the campaign's invariants (golden predictions one per image, outcome counts within the image count, every outcome
// and changed prediction tied to a planned fault, the plan as long as recorded). A damaged file gives a StoreException
// (exit 4), never a partial table. Not a repair tool.
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Neutron.Results.Store;

public sealed partial class CampaignStore
{
    const string Damaged = "the database is damaged: restore it from a copy, or run the campaign again into a new file";

    /// <summary>SQLite's structural check of the whole file (pages, b-trees, indexes).</summary>
    void QuickCheck()
    {
        var problems = new List<string>();
        using var cmd = Command("PRAGMA quick_check(3);");
        using var r = cmd.ExecuteReader();
        while (r.Read()) problems.Add(r.GetString(0));
        if (problems is not ["ok"])
            throw new StoreException($"'{Path}' is damaged: {string.Join("; ", problems)}", Damaged);
    }

    /// <summary>The campaign's own invariants; throws a StoreException naming the first one broken.</summary>
    public void CheckCampaign(long campaign)
    {
        var s = Settings(campaign);
        long Count(string sql)
        {
            using var cmd = Command(sql);
            cmd.Parameters.AddWithValue("$c", campaign);
            cmd.Parameters.AddWithValue("$n", s.Images);
            return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
        void Require(bool ok, string what)
        {
            if (!ok) throw new StoreException($"campaign {campaign} in '{Path}' is inconsistent: {what}", Damaged);
        }
        Require(Count("""
            SELECT (SELECT count(*) FROM golden WHERE campaign = $c AND (typeof(image) <> 'integer' OR typeof(label) <> 'integer' OR typeof(top1) <> 'integer'))
                 + (SELECT count(*) FROM outcomes WHERE campaign = $c AND (typeof(fault_index) <> 'integer' OR typeof(images) <> 'integer'
                        OR typeof(golden_correct) <> 'integer' OR typeof(faulty_correct) <> 'integer' OR typeof(sdc) <> 'integer' OR typeof(nonfinite) <> 'integer'))
                 + (SELECT count(*) FROM faults WHERE campaign = $c AND (typeof(fault_index) <> 'integer' OR typeof(fault) <> 'text'))
                 + (SELECT count(*) FROM predictions WHERE campaign = $c AND (typeof(image) <> 'integer' OR typeof(top1) <> 'integer'));
            """) == 0, "values of the wrong type");
        Require(s.Images >= 0 && s.PlanSize >= 0, $"{s.Images} images, plan of {s.PlanSize} faults");
        long golden = Count("SELECT count(*) FROM golden WHERE campaign = $c;");
        Require(golden == 0 || golden == s.Images, $"{golden} golden predictions for {s.Images} images");
        Require(Count("SELECT count(*) FROM golden WHERE campaign = $c AND (image < 0 OR image >= $n OR label < 0 OR top1 < 0);") == 0,
            "golden predictions outside the images or classes");
        long goldenCorrect = Count("SELECT count(*) FROM golden WHERE campaign = $c AND label = top1;");
        Require(Count("""
            SELECT count(*) FROM outcomes WHERE campaign = $c AND (images <> $n OR faulty_correct < 0 OR faulty_correct > images
                OR sdc < 0 OR sdc > images OR nonfinite < 0 OR nonfinite > images OR golden_correct < 0 OR golden_correct > images);
            """) == 0, "outcomes whose counts exceed the image count");
        if (golden > 0)
        {
            using var cmd = Command("SELECT count(*) FROM outcomes WHERE campaign = $c AND golden_correct <> $g;");
            cmd.Parameters.AddWithValue("$c", campaign);
            cmd.Parameters.AddWithValue("$g", goldenCorrect);
            Require((long)cmd.ExecuteScalar()! == 0, $"outcomes whose golden accuracy differs from the stored golden predictions ({goldenCorrect} of {golden} correct)");
        }
        Require(Count("SELECT count(*) FROM outcomes o WHERE o.campaign = $c AND NOT EXISTS (SELECT 1 FROM faults f WHERE f.campaign = o.campaign AND f.fault_index = o.fault_index);") == 0,
            "outcomes of faults that are not in its plan");
        Require(Count("SELECT count(*) FROM predictions p WHERE p.campaign = $c AND (p.image < 0 OR p.image >= $n OR p.top1 < 0);") == 0,
            "changed predictions outside the images or classes");
        Require(Count("SELECT coalesce(sum(sdc), 0) FROM outcomes WHERE campaign = $c;") == Count("SELECT count(*) FROM predictions WHERE campaign = $c;"),
            "changed predictions that do not match the outcomes' SDC counts");
        if (_readOnlyVersion is 0 or >= 3)
            Require(Count("SELECT count(*) FROM outcomes WHERE campaign = $c AND (typeof(protection) <> 'integer' OR protection NOT IN (0, 1, 2) OR protection <> 0 AND sdc <> 0);") == 0
                && (s.Protection.Length > 0 || Count("SELECT count(*) FROM outcomes WHERE campaign = $c AND protection <> 0;") == 0),
                "outcomes with a protection verdict that is not 0, 1 or 2, with SDCs, or in a campaign run without protection");
        long faults = Count("SELECT count(*) FROM faults WHERE campaign = $c;");
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

    /// <summary>A storage error as the user should read it: what happened to which file, and what to do.</summary>
    public StoreException Explain(SqliteException e) => Explain(e, Path);

    public static StoreException Explain(SqliteException e, string path) => e.SqliteErrorCode switch
    {
        13 => new StoreException($"the disk is full writing '{path}'", $"free some space, then `neutron resume --db {path}` continues with nothing lost", e),
        8 => new StoreException($"'{path}' is read-only", "make the file and its folder writable (SQLite writes -wal and -shm files beside it), or copy it elsewhere", e),
        11 or 26 => new StoreException($"'{path}' is damaged: {e.Message}", Damaged, e),
        5 or 6 => new StoreException($"'{path}' is locked by another process", "wait for it to finish, or use another --db", e),
        _ => new StoreException($"cannot use '{path}': {e.Message}", "check the disk, the path and its permissions", e),
    };
}
