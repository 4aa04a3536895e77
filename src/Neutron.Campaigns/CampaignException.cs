// The one error a campaign's user can act on: what is wrong, with a hint, and its kind (the CLI turns the kind into
// an exit code). Anything else thrown from here is a defect.
namespace Neutron.Campaigns;

/// <summary>What went wrong, as the CLI's exit codes group it.</summary>
public enum CampaignErrorKind
{
    /// <summary>A specification or option that cannot work (a bad plan, filters matching nothing).</summary>
    Usage,
    /// <summary>A model, data set, fault list or protection file that is missing or does not fit.</summary>
    ModelOrData,
    /// <summary>The database disagrees with the request (another campaign, another model).</summary>
    Storage,
}

/// <summary>A user error: one line, a hint saying what to do, and its kind.</summary>
public sealed class CampaignException(string message, string hint, CampaignErrorKind kind = CampaignErrorKind.Usage) : Exception(message)
{
    public string Hint { get; } = hint;
    public CampaignErrorKind Kind { get; } = kind;
}
