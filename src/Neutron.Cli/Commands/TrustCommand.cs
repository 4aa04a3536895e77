// neutron trust --db FILE [--fault-probability p] [--json]: per-class trustworthiness P(true = c | output = c) from
// the Bayesian network over a stored campaign (Neutron.Analysis.Bayes), at p and, for comparison, fault-free.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neutron.Cli.Options;
using Neutron.Analysis.Bayes;
using Neutron.Results.Store;

namespace Neutron.Cli.Commands;

public static class TrustCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var p = new Option<double>("--fault-probability") { Description = "probability that a fault occurred during an inference", DefaultValueFactory = _ => 0.5 };
        var alpha = new Option<double?>("--prior") { Description = "Dirichlet pseudo-count per cell of P(true) and P(golden | true) (default 1/classes: one pseudo-observation per row)" };
        var campaign = new Option<long?>("--campaign") { Description = "campaign id when the database holds several" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of a table" };
        var command = new Command("trust", "Per-class trustworthiness P(true = c | output = c) when a fault occurs with probability p") { db, p, alpha, campaign, json };
        command.SetAction(parse =>
        {
            double probability = CheckProbability(parse.GetValue(p));
            double? given = parse.GetValue(alpha);
            if (given is { } g && !(g > 0 && double.IsFinite(g))) throw new UserError($"--prior {g.ToString(CultureInfo.InvariantCulture)} must be a finite number > 0", "leave it out for 1/classes, or e.g. 0.5 (Jeffreys-like)");
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            var data = Neutron.Campaigns.CampaignDescriptions.Load(store, parse.GetValue(campaign));
            if (data.Faults.Count == 0) throw new UserError($"the campaign in '{store.Path}' has no outcomes yet", "run or resume the campaign first", ExitCodes.Storage);
            double prior = given ?? TrustNetwork.DefaultAlpha(data.ClassCount);
            var net = TrustNetwork.Build(data, prior);
            var atP = net.TrustAll(probability);
            var clean = net.TrustAll(0);
            var rows = Enumerable.Range(0, data.ClassCount).Select(c => new
            {
                cls = data.ClassName(c),
                trust = atP[c].Trust,
                faultFree = clean[c].Trust,
                pOutput = atP[c].OutputProbability,
            }).ToArray();
            if (parse.GetValue(json))
            {
                var doc = new
                {
                    faultProbability = probability,
                    prior,
                    layers = net.Layers.Select((l, i) => new { layer = l, probability = net.LayerProbability(i) }),
                    classes = rows.Select(r => new { @class = r.cls, trust = r.trust, trust_fault_free = r.faultFree, p_output = r.pOutput }),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"P(true = c | output = c), fault probability p = {probability.ToString(CultureInfo.InvariantCulture)}, {data.Faults.Count} faults over {net.Layers.Count} layers, prior {prior.ToString(CultureInfo.InvariantCulture)}");
            Console.WriteLine($"{"class",-16} {"trust",9} {"fault-free",11} {"P(output)",10}");
            foreach (var r in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.cls,-16} {r.trust,9:F4} {r.faultFree,11:F4} {r.pOutput,10:F4}"));
            return 0;
        });
        return command;
    }

    public static double CheckProbability(double p) =>
        p is >= 0 and <= 1 ? p : throw new UserError($"--fault-probability {p.ToString(CultureInfo.InvariantCulture)} is not a probability", "give a value in [0, 1], e.g. 0.01");
}
