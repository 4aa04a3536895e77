// neutron summary --db FILE: the campaign's settings, golden accuracy and its rates (CampaignRates: the same rows the
// report and its CSV files print) per layer, per tensor, per bit, per stratum and overall, or all of it as JSON.
// Rates are estimates of the fault space: a row inside one stratum is a uniform sample (Wilson 95 %); a row spanning
// strata of a stratified plan is weighted by their recorded sizes (marked `*`). `--tolerance` takes a list.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neutron.Analysis.Campaign;
using Neutron.Analysis.Planning;
using Neutron.Campaigns;
using Neutron.Cli.Printing;
using Neutron.Cli.Options;
using Neutron.Results.Store;
using Spectre.Console;

namespace Neutron.Cli.Commands;

public static class SummaryCommand
{
    public static Command Create()
    {
        var db = StoreOption.Create();
        var campaign = new Option<long?>("--campaign") { Description = "campaign id, when the file holds several" };
        var tolerance = new Option<string?>("--tolerance") { Description = "critical(τ): accuracy drop above τ percentage points; a list (0.5,1,2) or a range (0.5:10:0.5) adds the acceptable/critical split per τ (default: an adaptive plan's own τ, else 1.0)" };
        var modelPath = new Option<FileInfo?>("--model-path") { Description = "the model, when it moved since a campaign that recorded no site metadata (older databases)" };
        var json = new Option<bool>("--json") { Description = "print the whole results model as JSON (see docs/cli.md)" };
        var command = new Command("summary", "Per-layer and per-bit vulnerability tables of a campaign") { db, campaign, tolerance, modelPath, json };
        command.SetAction(parse =>
        {
            double[] taus = Tolerances.Parse(parse.GetValue(tolerance), "--tolerance");
            using var store = CampaignStore.Open(StoreOption.Location(parse.GetValue(db)!), create: false);
            long id = store.SingleCampaign(parse.GetValue(campaign));
            var s = store.Settings(id);
            var d = CampaignDescriptions.Load(store, id, parse.GetValue(modelPath)?.FullName);
            double tau = taus.Length > 0 ? taus[0] : (s.Plan as AdaptivePlan)?.Tolerance ?? 1.0;
            var results = new CampaignResults(d, tau, taus);

            var protection = Protection(store, id, s);
            var predicted = store.CriticalitySets(id);
            if (parse.GetValue(json))
            {
                var o = ToJson(results, d, id, s);
                o["protection"] = protection?.ToJson();
                o["predicted_criticality"] = new JsonArray([.. predicted.Select(c => (JsonNode)new JsonObject
                {
                    ["tolerance"] = c.Tolerance, ["forest"] = c.Forest, ["parameters"] = c.Parameters, ["critical_parameters"] = c.CriticalParameters,
                    ["threshold"] = c.Threshold?.Value, ["threshold_strict"] = c.Threshold?.Strict,
                    ["target_recall"] = Num(c.Threshold?.TargetRecall), ["cv_recall"] = Num(c.Threshold?.Recall), ["cv_false_alarm_pct"] = Num(c.Threshold?.FalseAlarmPct),
                })]);
                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"campaign {id}: {s.ModelPath} (sha256 {s.ModelSha256[..Math.Min(12, s.ModelSha256.Length)]}…)");
            Console.WriteLine($"data {s.DataSpec}, {s.Images} images, golden accuracy {(d.ImageCount == 0 ? 0 : d.GoldenAccuracy):P2}");
            Console.WriteLine($"{s.Target}, {s.FaultModel}, weights {s.Format}, datapath {s.Datapath}, plan {s.Planner}, seed {s.Seed}, shard {s.Shard}, kernels {s.KernelSet}");
            Console.WriteLine($"{d.Faults.Count:N0} of {store.FaultCount(id):N0} faults run{(s.Shard == "1/1" ? "" : $" (plan: {s.PlanSize:N0})")}; critical = drop > {tau.ToString(CultureInfo.InvariantCulture)} pp; intervals: 95 %");
            if (protection is not null) Console.WriteLine(protection.Text());
            foreach (var c in predicted)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"predicted criticality (neutron predict) at τ = {c.Tolerance} pp, {c.Forest}: {c.CriticalParameters:N0} of {c.Parameters:N0} parameters hold a critical bit, critical when {c.Threshold?.Describe() ?? "p > 0.5"}"));
            if (d.Faults.Count == 0) return 0;
            if (Console.IsOutputRedirected)
            {
                AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 132); // files and pipes: no wrapping
                AnsiConsole.Profile.Capabilities.Ansi = false; // and no colour codes
            }
            AnsiConsole.Write(RateTable.Render("per layer (node: a Conv's weight and bias together; an activation's producing node)", "layer", results.PerLayer));
            if (results.PerTensor.Count != results.PerLayer.Count) AnsiConsole.Write(RateTable.Render("per tensor", "tensor", results.PerTensor));
            AnsiConsole.Write(RateTable.Render("per bit", "bit", results.PerBit));
            if (d.Stratification is not (Stratification.None or Stratification.Layer or Stratification.Bit))
                AnsiConsole.Write(RateTable.Render("per stratum", "stratum", results.PerStratum));
            AnsiConsole.Write(RateTable.Render("overall", "", [results.Overall]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per-inference SDC rate (share of faulty inferences whose top-1 changed): {100 * results.Overall.InferenceSdcRate:F3} %; SDC-fault rate (share of faults changing ≥ 1 image): {100 * results.Overall.SdcRate:F2} %"));
            if (taus.Length > 1) AnsiConsole.Write(ToleranceTable(results.PerTolerance));
            if (s.Plan is AdaptivePlan adaptive) AdaptiveStopping.Print(adaptive, d);
            if (results.Overall.Estimator == CampaignRates.Importance)
            {
                var search = results.Search;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"importance weights: effective sample size {results.Overall.EffectiveSize:N0} of {d.Faults.Count:N0} faults; critical faults among those injected: {search.Critical:N0} of {search.Injected:N0} = {100 * search.Share:F2} %, "
                    + $"against {100 * search.UniformShare:F2} % for uniform sampling (the estimated rate): {search.Gain:F1}× the critical faults per injection"));
            }
            foreach (var estimator in results.All.Select(r => r.Estimator).Distinct().Where(e => e != CampaignRates.Wilson))
                Console.WriteLine($"{RateTable.Mark(estimator).Trim()} {CampaignRates.Describe(estimator)}"
                    + (estimator == CampaignRates.Unweighted ? "; give the model with --model-path to weight them" : ""));
            return 0;
        });
        return command;
    }

    static double? Num(double? v) => v is { } x && !double.IsNaN(x) ? x : null;

    /// <summary>The protection a campaign ran under and what it did (null: none). Corrected and detected faults are
    /// stored with the golden outcome, so the rate tables count them as faults without effect: their SDC and
    /// critical rates are the residual ones. Shares here are of the injected faults.</summary>
    sealed record ProtectionSummary(string Scheme, string Code, string Sha, long Corrected, long Detected, long Faults)
    {
        public (double Rate, double Lower, double Upper) DetectedRate
        {
            get
            {
                var w = Neutron.Analysis.Statistics.Intervals.Wilson(Detected, Faults);
                return (Faults == 0 ? 0 : (double)Detected / Faults, w.Lower, w.Upper);
            }
        }

        public string Text()
        {
            var (rate, lower, upper) = DetectedRate;
            return string.Create(CultureInfo.InvariantCulture,
                $"protection {Scheme} ({Code}, {Sha}): {Corrected:N0} faults corrected or outvoted (no effect), {Detected:N0} detected ({100 * rate:F2} % [{100 * lower:F2}–{100 * upper:F2}], not SDCs); rates below are residual");
        }

        public JsonObject ToJson()
        {
            var (rate, lower, upper) = DetectedRate;
            return new JsonObject
            {
                ["scheme"] = Scheme, ["code"] = Code, ["sha256"] = Sha, ["corrected_faults"] = Corrected, ["detected_faults"] = Detected,
                ["detected_rate"] = rate, ["detected_lower"] = lower, ["detected_upper"] = upper,
            };
        }
    }

    static ProtectionSummary? Protection(CampaignStore store, long id, CampaignSettings s)
    {
        if (s.Protection.Length == 0) return null;
        var plan = CampaignFiles.ParseProtection(s.Protection, "stored with the campaign");
        var (corrected, detected) = store.ProtectionCounts(id);
        return new ProtectionSummary(plan.Scheme, plan.Code, CampaignSettings.ProtectionName(s.Protection), corrected, detected, store.OutcomeCount(id));
    }

    static Table ToleranceTable(IReadOnlyList<RateRow> rows)
    {
        var table = new Table { Title = new TableTitle("acceptable and critical faults per tolerance τ") }.RoundedBorder();
        foreach (var c in new[] { "τ (pp)", "critical faults", "critical % [95 % CI]", "acceptable %" })
            table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        foreach (var r in rows)
            RateTable.AddRow(table, F(r.TolerancePp, "0.##"), r.CriticalFaults.ToString("N0", CultureInfo.InvariantCulture),
                RateTable.Rate(r.CriticalRate, r.CriticalLower, r.CriticalUpper, r.Estimator), F(100 * (1 - r.CriticalRate), "F2"));
        return table;
    }

    static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The campaign's settings, then the results model's rows.</summary>
    static JsonObject ToJson(CampaignResults results, CampaignData d, long id, CampaignSettings s)
    {
        var o = new JsonObject
        {
            ["campaign"] = id, ["model"] = s.ModelPath, ["model_sha256"] = s.ModelSha256, ["data"] = s.DataSpec,
            ["images"] = d.ImageCount, ["golden_accuracy"] = d.GoldenAccuracy, ["format"] = s.Format, ["target"] = s.Target,
            ["fault_model"] = s.FaultModel, ["plan"] = s.Planner, ["seed"] = s.Seed, ["shard"] = s.Shard,
        };
        var rows = results.ToJson();
        foreach (var key in rows.Select(p => p.Key).ToList())
        {
            var value = rows[key];
            rows.Remove(key); // a node has one parent: detach it before adding it here
            o[key] = value;
        }
        return o;
    }

    static class RateTable
    {
        public static Table Render(string title, string key, IEnumerable<RateRow> rows)
        {
            var table = new Table { Title = new TableTitle(Markup.Escape(title)) }.RoundedBorder();
            table.AddColumn(key);
            foreach (var c in new[] { "faults", "SDC faults", "SDC-fault % [95 % CI]", "critical", "critical % [95 % CI]", "NaN/Inf faults", "mean drop pp" })
                table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
            foreach (var r in rows)
                AddRow(table, r.Key, r.Faults.ToString("N0", CultureInfo.InvariantCulture), r.SdcFaults.ToString("N0", CultureInfo.InvariantCulture),
                    Rate(r.SdcRate, r.SdcLower, r.SdcUpper, r.Estimator), r.CriticalFaults.ToString("N0", CultureInfo.InvariantCulture),
                    Rate(r.CriticalRate, r.CriticalLower, r.CriticalUpper, r.Estimator), r.NonFiniteFaults.ToString("N0", CultureInfo.InvariantCulture),
                    F(r.MeanDropPp, "F3") + Mark(r.Estimator));
            return table;
        }

        /// <summary>Cells as plain text: names and intervals hold brackets that Spectre would read as markup.</summary>
        public static void AddRow(Table table, params string[] cells) => table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)));

        public static string Rate(double rate, double lower, double upper, string estimator) =>
            string.Create(CultureInfo.InvariantCulture, $"{100 * rate:F2} [{100 * lower:F2}–{100 * upper:F2}]{Mark(estimator)}");

        public static string Mark(string estimator) => estimator switch
        {
            CampaignRates.Stratified => " *", CampaignRates.Unweighted => " !", CampaignRates.Importance => " w", CampaignRates.ImportanceSelfNormalised => " ws", _ => "",
        };
    }
}
