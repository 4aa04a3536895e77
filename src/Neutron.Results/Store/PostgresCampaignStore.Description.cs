// The PostgreSQL store's record of what a campaign knew when it started (sites, stratum sizes, class names), written
// in the campaign's creating transaction. Twin of SqliteCampaignStore.Description.cs.
using Npgsql;

namespace Neutron.Results.Store;

public sealed partial class PostgresCampaignStore
{
    static void InsertDescription(long campaign, CampaignDescription d, NpgsqlConnection c, NpgsqlTransaction tx)
    {
        using (var cmd = new NpgsqlCommand("""
            INSERT INTO sites(campaign, target, tensor, layer, op_type, shape) SELECT @c, t, n, l, o, s FROM unnest(@t, @n, @l, @o, @s) AS x(t, n, l, o, s)
            ON CONFLICT DO NOTHING;
            """, c, tx))
        {
            cmd.Parameters.AddWithValue("c", campaign);
            cmd.Parameters.AddWithValue("t", d.Sites.Select(s => s.Target).ToArray());
            cmd.Parameters.AddWithValue("n", d.Sites.Select(s => s.Tensor).ToArray());
            cmd.Parameters.AddWithValue("l", d.Sites.Select(s => s.Layer).ToArray());
            cmd.Parameters.AddWithValue("o", d.Sites.Select(s => s.OpType).ToArray());
            cmd.Parameters.AddWithValue("s", d.Sites.Select(s => s.Shape).ToArray());
            cmd.ExecuteNonQuery();
        }
        using (var cmd = new NpgsqlCommand("INSERT INTO strata(campaign, name, size) SELECT @c, n, s FROM unnest(@n, @s) AS x(n, s) ON CONFLICT DO NOTHING;", c, tx))
        {
            cmd.Parameters.AddWithValue("c", campaign);
            cmd.Parameters.AddWithValue("n", d.StratumSizes.Keys.ToArray());
            cmd.Parameters.AddWithValue("s", d.StratumSizes.Values.ToArray());
            cmd.ExecuteNonQuery();
        }
        using (var cmd = new NpgsqlCommand("INSERT INTO class_names(campaign, class, name) SELECT @c, o - 1, n FROM unnest(@n) WITH ORDINALITY AS x(n, o) ON CONFLICT DO NOTHING;", c, tx))
        {
            cmd.Parameters.AddWithValue("c", campaign);
            cmd.Parameters.AddWithValue("n", d.ClassNames.ToArray());
            cmd.ExecuteNonQuery();
        }
    }

    public override CampaignDescription Description(long campaign)
    {
        var sites = Read("""SELECT target, tensor, layer, op_type, shape FROM sites WHERE campaign = @c ORDER BY target COLLATE "C", tensor COLLATE "C";""", campaign,
            r => new SiteInfo(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4)));
        var strata = Read("SELECT name, size FROM strata WHERE campaign = @c;", campaign, r => (r.GetString(0), r.GetInt64(1)))
            .ToDictionary(s => s.Item1, s => s.Item2, StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var (k, name) in Read("SELECT class, name FROM class_names WHERE campaign = @c ORDER BY class;", campaign, r => (r.GetInt32(0), r.GetString(1))))
        {
            if (k != names.Count) throw new StoreException($"campaign {campaign} in '{Path}' lacks the name of class {names.Count}", Damaged);
            names.Add(name);
        }
        return new CampaignDescription { Sites = sites, StratumSizes = strata, ClassNames = names };
    }

    public override void WriteDescription(long campaign, CampaignDescription description) =>
        InTransaction((c, tx) => { InsertDescription(campaign, description, c, tx); return 0; });
}
