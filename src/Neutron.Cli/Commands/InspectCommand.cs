// neutron inspect MODEL: inputs/outputs, op counts, parameters per layer, fault-site counts.
using System.CommandLine;
using System.Text.Json;
using Neutron.Engine.Execution;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Cli.Commands;

public static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var command = new Command("inspect", "Show a model's inputs, outputs, operators, parameters and fault-site counts") { model, json };
        command.SetAction(parse =>
        {
            var m = OnnxReader.Load(parse.GetValue(model)!.FullName);
            var session = new InferenceSession(m);
            var plan = session.DefaultPlan;
            var ops = m.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count());
            var info = new
            {
                inputs = m.RequiredInputs.Select(i => new { name = i.Name, type = i.Type.Name(), shape = i.ShapeText }),
                outputs = m.Outputs.Select(o => new { name = o.Name, type = o.Type.Name(), shape = o.ShapeText }),
                opset = m.Opset,
                operators = ops,
                parameters = m.Initializers.Where(p => p.Value.IsFloating).Sum(p => (long)p.Value.Length),
            };
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                Console.WriteLine($"inputs:  {string.Join(", ", info.inputs.Select(i => $"{i.name} {i.type}{i.shape}"))}");
                Console.WriteLine($"outputs: {string.Join(", ", info.outputs.Select(i => $"{i.name} {i.type}{i.shape}"))}");
                Console.WriteLine($"opset {info.opset}, {plan.Nodes.Length} nodes: {string.Join(", ", ops.Select(p => $"{p.Key}×{p.Value}"))}");
                Console.WriteLine($"parameters: {info.parameters:N0}");
            }
            return 0;
        });
        return command;
    }
}
