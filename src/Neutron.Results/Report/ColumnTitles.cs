// Readable headers for the report's tables: the exports keep machine names (sdc_lower), the page shows what each
// column means with its unit (SDC-fault rate, 95 % lower). A column not listed shows its own name.
namespace Neutron.Results.Report;

public static class ColumnTitles
{
    static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        ["faults"] = "faults injected",
        ["sdc_faults"] = "faults with SDC",
        ["sdc_rate"] = "SDC-fault rate",
        ["sdc_lower"] = "SDC-fault rate, 95 % lower",
        ["sdc_upper"] = "SDC-fault rate, 95 % upper",
        ["critical_faults"] = "critical faults",
        ["critical_rate"] = "critical-fault rate",
        ["critical_lower"] = "critical rate, 95 % lower",
        ["critical_upper"] = "critical rate, 95 % upper",
        ["mean_drop_pp"] = "mean accuracy drop (pp)",
        ["estimator"] = "estimator",
        ["tolerance_pp"] = "tolerance τ (pp)",
        ["fraction"] = "critical-fault rate",
        ["lower"] = "95 % lower",
        ["upper"] = "95 % upper",
        ["bin_pp"] = "accuracy drop (pp)",
        ["low_pp_exclusive"] = "from (pp, exclusive)",
        ["high_pp_inclusive"] = "to (pp, inclusive)",
        ["trials"] = "trials",
        ["misclassified"] = "misclassified",
        ["scm"] = "SCM",
        ["non_scm"] = "non-SCM",
        ["scm_share_of_misclassifications"] = "SCM share of misclassifications",
        ["scm_share_lower"] = "SCM share, 95 % lower",
        ["scm_share_upper"] = "SCM share, 95 % upper",
        ["p_scm_per_trial"] = "SCM per inference",
        ["p_scm_lower"] = "SCM per inference, 95 % lower",
        ["p_scm_upper"] = "SCM per inference, 95 % upper",
        ["p_non_scm_per_trial"] = "non-SCM per inference",
        ["trust"] = "P(true = c | output = c)",
        ["trust_fault_free"] = "trust, fault-free",
        ["p_output"] = "P(output = c)",
        ["fault_probability"] = "fault probability p",
        ["holm_p_value"] = "p-value (Holm)",
        ["p_value"] = "p-value",
        ["faulty_share"] = "share among faulty outputs",
        ["golden_share"] = "share among golden outputs",
        ["mean_flips"] = "mean flips per model",
        ["mean_accuracy"] = "mean accuracy",
        ["band_lower"] = "band lower",
        ["band_upper"] = "band upper",
        ["critical_fraction"] = "critical models",
    };

    public static string Of(string column) => Titles.GetValueOrDefault(column, column.Replace('_', ' '));
}
