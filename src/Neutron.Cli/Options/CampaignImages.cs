// `--data FORMAT:PATH` and `--images N` for commands that re-read a campaign's evaluation images (predict's gradient
// features, protect's clip bounds): by default the data spec and image count the campaign recorded; the options
// override them when the data moved, or when fewer images will do. Spelled as `campaign` spells them.
using System.CommandLine;
using Neutron.Engine.Data;
using Neutron.Results.Store;

namespace Neutron.Cli.Options;

internal static class CampaignImages
{
    public static Option<string?> Data() => new("--data") { Description = "evaluation data, FORMAT:PATH (default: the data the campaign recorded)" };

    public static Option<int?> Images() => new("--images") { Description = "use the first N images (default: as many as the campaign ran)" };

    /// <param name="use">What the images are for, ending before "the campaign's images" ("clip profiles its bounds on").</param>
    /// <param name="otherwise">Another way out, for the hint ("or use --features structural").</param>
    public static LabeledData Load(CampaignSettings s, string? data, int? images, string use, string? otherwise = null)
    {
        if (images is <= 0) throw new UserError($"--images {images} must be ≥ 1", "e.g. --images 200");
        string spec = data ?? s.DataSpec;
        try { return DataSpec.Load(spec, new DataOptions { Limit = images ?? s.Images }); }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            if (data is not null)
                throw new UserError($"cannot read --data '{spec}': {e.Message}", "give FORMAT:PATH as `neutron campaign --data` takes it, e.g. idx:samples/fashion-mnist/t10k-1000", ExitCodes.ModelOrData);
            throw new UserError($"cannot read the campaign's data '{spec}': {e.Message}",
                $"{use} the campaign's images: give them where they are now with --data FORMAT:PATH (and --images N){(otherwise is null ? "" : ", " + otherwise)}", ExitCodes.ModelOrData);
        }
    }
}
