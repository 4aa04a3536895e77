// The campaign store's record of what a campaign knew when it started (CampaignDescription: sites, stratum sizes,
// class names). Written in the campaign's creating transaction; read by the loaders, so tables and reports never
// reload the model. A version-1 file opened read-only has none of these tables: it reads as an empty description.
using Microsoft.Data.Sqlite;

namespace Neutron.Results.Store;

public sealed partial class SqliteCampaignStore
{
    void InsertDescription(long campaign, CampaignDescription d, SqliteTransaction tx)
    {
        using (var cmd = Command("INSERT OR IGNORE INTO sites(campaign, target, tensor, layer, op_type, shape) VALUES($c, $t, $n, $l, $o, $s);", tx))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            var t = cmd.Parameters.Add("$t", SqliteType.Text);
            var n = cmd.Parameters.Add("$n", SqliteType.Text);
            var l = cmd.Parameters.Add("$l", SqliteType.Text);
            var o = cmd.Parameters.Add("$o", SqliteType.Text);
            var s = cmd.Parameters.Add("$s", SqliteType.Text);
            foreach (var site in d.Sites)
            {
                (t.Value, n.Value, l.Value, o.Value, s.Value) = (site.Target, site.Tensor, site.Layer, site.OpType, site.Shape);
                cmd.ExecuteNonQuery();
            }
        }
        using (var cmd = Command("INSERT OR IGNORE INTO strata(campaign, name, size) VALUES($c, $n, $s);", tx))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            var n = cmd.Parameters.Add("$n", SqliteType.Text);
            var s = cmd.Parameters.Add("$s", SqliteType.Integer);
            foreach (var (name, size) in d.StratumSizes)
            {
                (n.Value, s.Value) = (name, size);
                cmd.ExecuteNonQuery();
            }
        }
        using (var cmd = Command("INSERT OR IGNORE INTO class_names(campaign, class, name) VALUES($c, $i, $n);", tx))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            var i = cmd.Parameters.Add("$i", SqliteType.Integer);
            var n = cmd.Parameters.Add("$n", SqliteType.Text);
            for (int k = 0; k < d.ClassNames.Count; k++)
            {
                (i.Value, n.Value) = (k, d.ClassNames[k]);
                cmd.ExecuteNonQuery();
            }
        }
    }

    /// <summary>What the campaign recorded when it started; empty parts for a campaign made before they were recorded.</summary>
    public override CampaignDescription Description(long campaign)
    {
        if (_readOnlyVersion1) return new CampaignDescription();
        var sites = new List<SiteInfo>();
        using (var cmd = Command("SELECT target, tensor, layer, op_type, shape FROM sites WHERE campaign = $c;"))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            using var r = cmd.ExecuteReader();
            while (r.Read()) sites.Add(new SiteInfo(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)));
        }
        var strata = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var cmd = Command("SELECT name, size FROM strata WHERE campaign = $c;"))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            using var r = cmd.ExecuteReader();
            while (r.Read()) strata[r.GetString(0)] = r.GetInt64(1);
        }
        var names = new List<string>();
        using (var cmd = Command("SELECT class, name FROM class_names WHERE campaign = $c ORDER BY class;"))
        {
            cmd.Parameters.AddWithValue("$c", campaign);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (r.GetInt64(0) != names.Count)
                    throw new StoreException($"campaign {campaign} in '{Path}' lacks the name of class {names.Count}", Damaged);
                names.Add(r.GetString(1));
            }
        }
        return new CampaignDescription { Sites = sites, StratumSizes = strata, ClassNames = names };
    }

    /// <summary>Records the description of a campaign made before descriptions were stored (e.g. from its model).</summary>
    public override void WriteDescription(long campaign, CampaignDescription description)
    {
        if (_readOnlyVersion1) return;
        using var tx = _connection.BeginTransaction();
        InsertDescription(campaign, description, tx);
        tx.Commit();
    }
}
