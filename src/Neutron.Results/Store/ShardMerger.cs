// `neutron merge`: joins shard databases of one campaign (same settings, shards k/N of the same N) into one file.
// Copies with INSERT OR IGNORE through ATTACH, so merging a shard twice, or merging into a file that already holds
// some shards, changes nothing already there. Golden predictions must agree across shards. The writer is CampaignStore.
using System.Globalization;

namespace Neutron.Results.Store;

public static class ShardMerger
{
    /// <summary>Whether the attached shard records its campaign's description (a read-only version-1 file does not).</summary>
    static bool HasDescription(SqliteCampaignStore target)
    {
        using var cmd = target.Command("SELECT count(*) FROM shard.sqlite_master WHERE type = 'table' AND name IN ('sites', 'strata', 'class_names');");
        return (long)cmd.ExecuteScalar()! == 3;
    }

    // A shard opened read-only keeps its older schema: faults without p and q.
    static bool HasWeights(SqliteCampaignStore target)
    {
        using var cmd = target.Command("SELECT count(*) FROM pragma_table_info('faults', 'shard') WHERE name IN ('p', 'q');");
        return (long)cmd.ExecuteScalar()! == 2;
    }

    /// <summary>Merges <paramref name="shards"/> into <paramref name="output"/>; returns the merged campaign's id there.</summary>
    public static long Merge(string output, IReadOnlyList<string> shards)
    {
        if (shards.Count == 0) throw new ArgumentException("no shard databases to merge", nameof(shards));
        var parts = new List<(string Path, long Id, CampaignSettings Settings)>();
        foreach (var path in shards)
        {
            using var store = SqliteCampaignStore.Open(path, create: false);
            long id = store.SingleCampaign();
            parts.Add((store.Path, id, store.Settings(id)));
        }
        var reference = parts[0].Settings;
        int total = ParseShard(reference.Shard, parts[0].Path).Total;
        var ks = new SortedSet<int>();
        foreach (var (path, _, settings) in parts)
        {
            if (!settings.SameCampaignAs(reference))
                throw new StoreException($"'{path}' is not a shard of the same campaign as '{parts[0].Path}' ({settings.FirstDifference(reference)})",
                    "merge only shards made by the same `neutron campaign` command with different --shard k/N");
            var (k, n) = ParseShard(settings.Shard, path);
            if (n != total) throw new StoreException($"'{path}' is shard {settings.Shard}, but '{parts[0].Path}' is one of {total}", "merge shards of one split k/N");
            ks.UnionWith(k);
        }

        using var target = SqliteCampaignStore.Open(output, create: true);
        if (parts.Any(p => p.Path == target.Path)) throw new StoreException($"'{output}' is also one of the shards", "merge into a new file");
        var existing = target.Campaigns().Where(c => c.Settings.SameCampaignAs(reference)).ToList();
        long outId;
        if (existing.Count > 0)
        {
            outId = existing[0].Id;
            ks.UnionWith(ParseShard(existing[0].Settings.Shard, output).Ks);
        }
        else
        {
            outId = target.CreateCampaign(reference, []);
        }

        foreach (var (path, id, _) in parts)
        {
            var attach = target.Command("ATTACH DATABASE $p AS shard;");
            attach.Parameters.AddWithValue("$p", path);
            attach.ExecuteNonQuery();
            try
            {
                using var check = target.Command("""
                    SELECT count(*) FROM shard.golden g JOIN main.golden m ON m.campaign = $o AND m.image = g.image
                    WHERE g.campaign = $s AND (m.top1 <> g.top1 OR m.label <> g.label);
                    """);
                check.Parameters.AddWithValue("$o", outId);
                check.Parameters.AddWithValue("$s", id);
                if ((long)check.ExecuteScalar()! > 0)
                    throw new StoreException($"golden predictions in '{path}' differ from the other shards'", "the shards were run on different models, data or kernels; re-run them");
                bool describe = HasDescription(target), weighted = HasWeights(target);
                using var tx = target.Connection.BeginTransaction();
                foreach (var sql in new[]
                {
                    $"INSERT OR IGNORE INTO main.faults(campaign, fault_index, fault, p, q) SELECT $o, fault_index, fault, {(weighted ? "p, q" : "NULL, NULL")} FROM shard.faults WHERE campaign = $s;",
                    "INSERT OR IGNORE INTO main.golden SELECT $o, image, label, top1 FROM shard.golden WHERE campaign = $s;",
                    "INSERT OR IGNORE INTO main.outcomes SELECT $o, fault_index, images, golden_correct, faulty_correct, sdc, nonfinite, drop_pp, protection FROM shard.outcomes WHERE campaign = $s;",
                    "INSERT OR IGNORE INTO main.predictions SELECT $o, fault_index, image, top1 FROM shard.predictions WHERE campaign = $s;",
                }.Concat(describe ?
                [
                    "INSERT OR IGNORE INTO main.sites SELECT $o, target, tensor, layer, op_type, shape FROM shard.sites WHERE campaign = $s;",
                    "INSERT OR IGNORE INTO main.strata SELECT $o, name, size FROM shard.strata WHERE campaign = $s;",
                    "INSERT OR IGNORE INTO main.class_names SELECT $o, class, name FROM shard.class_names WHERE campaign = $s;",
                ] : []))
                {
                    using var copy = target.Command(sql, tx);
                    copy.Parameters.AddWithValue("$o", outId);
                    copy.Parameters.AddWithValue("$s", id);
                    copy.ExecuteNonQuery();
                }
                tx.Commit();
            }
            finally
            {
                using var detach = target.Command("DETACH DATABASE shard;");
                detach.ExecuteNonQuery();
            }
        }
        target.SetShard(outId, ks.Count == 1 && total == 1 ? "1/1" : $"merged:{string.Join(",", ks)}/{total}");
        return outId;
    }

    /// <summary>"k/N" or "merged:a,b,c/N" → the shard numbers held and N.</summary>
    public static (IReadOnlyCollection<int> Ks, int Total) ParseShard(string text, string path)
    {
        string body = text.StartsWith("merged:", StringComparison.Ordinal) ? text[7..] : text;
        int slash = body.LastIndexOf('/');
        if (slash > 0 && int.TryParse(body[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int total))
        {
            var ks = new List<int>();
            foreach (var part in body[..slash].Split(','))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1 || k > total) goto bad;
                ks.Add(k);
            }
            return (ks, total);
        }
    bad:
        throw new StoreException($"'{path}' records shard '{text}', which is not k/N", "the database is damaged or from another tool");
    }
}
