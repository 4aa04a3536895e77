// Storage errors a user can act on: a file that is not a campaign database, a schema from another version, a resume
// against a different model, shards that are not one campaign. An IOException (DESIGN §7 storage family, exit 4)
// carrying the hint the CLI prints.
namespace Neutron.Results.Store;

public sealed class StoreException(string message, string hint, Exception? inner = null) : IOException(message, inner)
{
    public string Hint { get; } = hint;
}
