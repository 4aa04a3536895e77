// Builds and runs a one-node model in memory, for operator tests that need a case the ONNX suite lacks.
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Tests.Operators;

public static class OneNode
{
    public static Tensor Run(string opType, long opset, Dictionary<string, object> attributes, params Tensor[] inputs)
    {
        var names = inputs.Select((_, i) => $"in{i}").ToArray();
        var model = new Model
        {
            Nodes = [new Node { Name = "n", OpType = opType, Inputs = names, Outputs = ["y"], Attributes = new Attributes(attributes, opType) }],
            Initializers = [],
            Inputs = inputs.Select((t, i) => new ValueInfo(names[i], t.Type, t.Shape)).ToList(),
            Outputs = [new ValueInfo("y", DataType.Undefined, null)],
            Opsets = new() { [""] = opset },
        };
        var feeds = inputs.Select((t, i) => (names[i], t)).ToDictionary(p => p.Item1, p => p.t);
        return new InferenceSession(model).Run(feeds)["y"];
    }
}
