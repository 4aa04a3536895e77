// The --db option of the commands that read a campaign: an SQLite file, or a PostgreSQL server named by
// `postgresql://USER@HOST[:PORT]/DB` (its password from PGPASSWORD or a pgpass file, never on the command line).
using System.CommandLine;
using Neutron.Results.Store;

namespace Neutron.Cli.Options;

public static class StoreOption
{
    public const string Description = "campaign database: an SQLite file, or postgresql://USER@HOST[:PORT]/DB (password from PGPASSWORD or ~/.pgpass)";

    public static Option<string> Create(bool required = true) => new("--db") { Description = Description, Required = required };

    /// <summary>A file path made absolute; a server URL as given.</summary>
    public static string Location(string value) => CampaignStore.IsServerUrl(value) ? value : Path.GetFullPath(value);
}
