// One fault as a typed value (DESIGN §4): target, tensor, flat row-major element index (activations: within one
// image, batch dimension excluded), bit, model. Text form: `weight:conv1.weight@1234#30`,
// `act:/layer1/relu/Relu_output_0@517#12:stuck1` (model omitted when flip). Parse checks syntax only;
// SiteCatalog.Validate checks a fault against a model, before any fault runs.
using System.Globalization;
using Neutron.Faults.Models;

namespace Neutron.Faults;

public enum FaultTarget
{
    Weight,
    Activation,
}

public sealed record Fault(FaultTarget Target, string Tensor, long Index, int Bit, FaultModel Model = default)
{
    public BitMask Mask => Model.Mask(Bit);

    public static string TargetText(FaultTarget target) => target == FaultTarget.Weight ? "weight" : "act";

    public override string ToString()
    {
        string text = $"{TargetText(Target)}:{Tensor}@{Index.ToString(CultureInfo.InvariantCulture)}#{Bit.ToString(CultureInfo.InvariantCulture)}";
        return Model == FaultModel.Flip ? text : text + ":" + Model;
    }

    /// <summary>Parses the text form; a FaultException names what is wrong.</summary>
    public static Fault Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        int colon = t.IndexOf(':');
        if (colon < 0) throw Bad(text, "expected TARGET:TENSOR@INDEX#BIT[:MODEL], e.g. weight:conv1.weight@12#30");
        var target = t[..colon] switch
        {
            "weight" => FaultTarget.Weight,
            "act" => FaultTarget.Activation,
            _ => throw Bad(text, $"unknown target '{t[..colon]}'; use weight or act"),
        };
        // Tensor names may hold ':', '@' and '#' (ONNX allows any string), so split from the right.
        int hash = t.LastIndexOf('#');
        if (hash < colon) throw Bad(text, "missing '#BIT'");
        string tail = t[(hash + 1)..];
        string bitText = tail, modelText = "flip";
        int modelColon = tail.IndexOf(':');
        if (modelColon >= 0)
        {
            bitText = tail[..modelColon];
            modelText = tail[(modelColon + 1)..];
        }
        int at = t.LastIndexOf('@', hash);
        if (at <= colon) throw Bad(text, "missing '@INDEX'");
        string tensor = t[(colon + 1)..at];
        if (tensor.Length == 0) throw Bad(text, "empty tensor name");
        if (!long.TryParse(t[(at + 1)..hash], NumberStyles.None, CultureInfo.InvariantCulture, out long index))
            throw Bad(text, $"index '{t[(at + 1)..hash]}' is not a non-negative integer");
        if (!int.TryParse(bitText, NumberStyles.None, CultureInfo.InvariantCulture, out int bit) || bit > 31)
            throw Bad(text, $"bit '{bitText}' is not a bit number 0..31");
        FaultModel model;
        try { model = FaultModel.Parse(modelText); }
        catch (FaultException e) { throw Bad(text, e.Message); }
        return new Fault(target, tensor, index, bit, model);
    }

    private static FaultException Bad(string text, string why) => new($"fault '{text}': {why}");
}
