// The engine's two user-facing error families (DESIGN §7): undecodable input (OnnxFormatException, a
// FormatException that says where) and valid-but-unsupported or inconsistent models (ModelException, with a code).
namespace Neutron.Engine;

public enum ModelErrorCode
{
    UnsupportedOperator,
    UnsupportedOpset,
    UnsupportedDataType,
    InvalidAttribute,
    ShapeMismatch,
    MissingValue,
    InvalidGraph,
    ExternalData,
    InputMismatch,
}

public sealed class ModelException : Exception
{
    public ModelErrorCode Code { get; }

    public ModelException(ModelErrorCode code, string message, Exception? inner = null) : base(message, inner) => Code = code;
}

public sealed class OnnxFormatException : FormatException
{
    public OnnxFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
