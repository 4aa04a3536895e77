// Refuses a damaged file before any number is read from it: SQLite's own quick_check when the file opens, and a check
// that values have their declared types (an SQLite column takes any value). The campaign invariants both stores share
// are in CampaignStore.Integrity.cs. Also: SQLite errors as the user should read them.
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Neutron.Results.Store;

public sealed partial class SqliteCampaignStore
{
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

    protected override long Count(string sql, long campaign, long images, long extra = 0)
    {
        using var cmd = Command(sql);
        cmd.Parameters.AddWithValue("@c", campaign);
        cmd.Parameters.AddWithValue("@n", images);
        cmd.Parameters.AddWithValue("@g", extra);
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    protected override bool HasProtectionColumns => _readOnlyVersion is 0 or >= 3;

    protected override bool ValuesHaveTheirTypes(long campaign) => Count("""
        SELECT (SELECT count(*) FROM golden WHERE campaign = @c AND (typeof(image) <> 'integer' OR typeof(label) <> 'integer' OR typeof(top1) <> 'integer'))
             + (SELECT count(*) FROM outcomes WHERE campaign = @c AND (typeof(fault_index) <> 'integer' OR typeof(images) <> 'integer'
                    OR typeof(golden_correct) <> 'integer' OR typeof(faulty_correct) <> 'integer' OR typeof(sdc) <> 'integer' OR typeof(nonfinite) <> 'integer'))
             + (SELECT count(*) FROM faults WHERE campaign = @c AND (typeof(fault_index) <> 'integer' OR typeof(fault) <> 'text'))
             + (SELECT count(*) FROM predictions WHERE campaign = @c AND (typeof(image) <> 'integer' OR typeof(top1) <> 'integer'))
             + (SELECT count(*) FROM outcomes WHERE campaign = @c AND typeof(protection) <> 'integer' AND @g = 1);
        """, campaign, 0, HasProtectionColumns ? 1 : 0) == 0;

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
