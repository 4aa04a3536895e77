// A data set that decodes but cannot be used as given: a label that is not a class of the model, a fractional or
// NaN label, a NaN or infinite pixel. A FormatException (exit 3 in the CLI) whose message names the image.
namespace Neutron.Engine.Data;

public sealed class DataException(string message) : FormatException(message);
