// neutron inspect MODEL: inputs/outputs, op counts, parameters per layer, and the fp32 fault-space size:
// weight sites = stored float parameters feeding Conv/ConvTranspose/Gemm/MatMul/BatchNormalization × 32 bits,
// activation sites = elements of float node outputs for one image × 32 bits (DESIGN §4). `--values` lists every
// value with its shape. The fault layer (Neutron.Faults) enumerates the same sites; this is only the count.
using System.CommandLine;
using System.Text.Json;
using Neutron.Engine.Execution;
using Neutron.Engine.Tensors;
using Spectre.Console;

namespace Neutron.Cli.Commands;

public static class InspectCommand
{
    public static readonly string[] WeightOps = ["Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization"];
    private const int Fp32Bits = 32;

    public sealed record Layer(string Parameter, string Shape, long Count, string Node, string Op);

    public sealed record ValueRow(string Name, string Type, string Shape, string Kind);

    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var values = new Option<bool>("--values") { Description = "also list every value (inputs, weights, node outputs) with its shape at batch 1" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var command = new Command("inspect", "Show a model's inputs, outputs, operators, parameters and fault-site counts") { model, values, json };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            var session = CliModel.Load(file);
            var m = session.Model;
            var plan = session.DefaultPlan;
            var ops = m.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count());
            var layers = Layers(session);
            long weightParams = layers.Sum(l => l.Count);
            long activationElements = ActivationElements(plan);
            var valueRows = parse.GetValue(values) ? Values(session) : null;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = file.Name,
                    opset = m.Opset,
                    producer = m.ProducerName,
                    inputs = m.RequiredInputs.Select(i => new { name = i.Name, type = i.Type.Name(), shape = i.ShapeText }),
                    outputs = m.Outputs.Select(o => new { name = o.Name, type = o.Type.Name(), shape = o.ShapeText }),
                    nodes = m.Nodes.Count,
                    operators = ops,
                    parameters = m.Initializers.Values.Where(t => t.IsFloating).Sum(t => (long)t.Length),
                    layers = layers.Select(l => new { parameter = l.Parameter, shape = l.Shape, count = l.Count, node = l.Node, op = l.Op }),
                    weight_parameters = weightParams,
                    weight_fault_sites = weightParams * Fp32Bits,
                    activation_elements_per_image = activationElements,
                    activation_fault_sites = activationElements * Fp32Bits,
                    values = valueRows?.Select(v => new { name = v.Name, type = v.Type, shape = v.Shape, kind = v.Kind }),
                }, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
                return ExitCodes.Ok;
            }
            Console.WriteLine($"model:   {file.Name} (opset {m.Opset}{(m.ProducerName.Length > 0 ? ", from " + m.ProducerName : "")})");
            Console.WriteLine($"inputs:  {string.Join(", ", m.RequiredInputs.Select(i => $"{i.Name} {i.Type.Name()}{i.ShapeText}"))}");
            Console.WriteLine($"outputs: {string.Join(", ", m.Outputs.Select(o => $"{o.Name} {o.Type.Name()}{o.ShapeText}"))}");
            Console.WriteLine($"{m.Nodes.Count} nodes: {string.Join(", ", ops.Select(p => $"{p.Key}×{p.Value}"))}");
            var console = CliModel.Out();
            var table = new Table().Border(TableBorder.Simple).AddColumn("parameter").AddColumn("shape").AddColumn(new TableColumn("count").RightAligned()).AddColumn("op").AddColumn("node");
            foreach (var l in layers) table.AddRow(Markup.Escape(l.Parameter), Markup.Escape(l.Shape), $"{l.Count:N0}", l.Op, Markup.Escape(l.Node));
            if (layers.Count > 0) console.Write(table);
            Console.WriteLine($"weight parameters:   {weightParams:N0} -> {weightParams * Fp32Bits:N0} weight fault sites (fp32, × 32 bits)");
            Console.WriteLine($"activation elements: {activationElements:N0} per image -> {activationElements * Fp32Bits:N0} activation fault sites (fp32, × 32 bits)");
            if (valueRows is not null)
            {
                var vt = new Table().Border(TableBorder.Simple).AddColumn("value").AddColumn("type").AddColumn("shape").AddColumn("kind");
                foreach (var v in valueRows) vt.AddRow(Markup.Escape(v.Name), v.Type, Markup.Escape(v.Shape), Markup.Escape(v.Kind));
                console.Write(vt);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Float initializers feeding a weight op, once each, in graph order (the weight fault sites).</summary>
    public static List<Layer> Layers(InferenceSession session)
    {
        var m = session.Model;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var layers = new List<Layer>();
        foreach (var node in m.Nodes)
        {
            if (node.Domain.Length > 0 || !WeightOps.Contains(node.OpType)) continue;
            foreach (var input in node.Inputs)
                if (input.Length > 0 && m.Initializers.TryGetValue(input, out var t) && t.IsFloating && seen.Add(input))
                    layers.Add(new Layer(input, ShapeUtil.Format(t.Shape), t.Length, node.Name, node.OpType));
        }
        return layers;
    }

    /// <summary>Elements of float node outputs for one image (folded shape arithmetic is not in the plan).</summary>
    public static long ActivationElements(ExecutionPlan plan)
    {
        int batch = plan.InputIds.Length > 0 && plan.Types[plan.InputIds[0]].Shape is [var b, ..] && b > 0 ? b : 1;
        long total = 0;
        foreach (var node in plan.Nodes)
            foreach (int id in node.OutputIds)
            {
                if (IsUnused(plan.Names[id]) || !plan.Types[id].Type.IsFloating()) continue;
                var shape = plan.Types[id].Shape;
                long size = ShapeUtil.Size(shape);
                total += shape.Length > 0 && shape[0] == batch ? size / batch : size;
            }
        return total;
    }

    private static List<ValueRow> Values(InferenceSession session)
    {
        var plan = session.DefaultPlan;
        var rows = new List<ValueRow>();
        var inputs = new HashSet<int>(plan.InputIds);
        for (int id = 0; id < plan.Names.Length; id++)
        {
            string name = plan.Names[id];
            if (IsUnused(name)) continue;
            var type = plan.Types[id];
            string kind = inputs.Contains(id) ? "input"
                : plan.Producers[id] >= 0 ? $"{plan.Nodes[plan.Producers[id]].Operator.Node.OpType} output"
                : session.Model.Initializers.ContainsKey(name) ? "initializer" : "constant (folded)";
            rows.Add(new ValueRow(name, type.Type.Name(), ShapeUtil.Format(type.Shape), kind));
        }
        return rows;
    }

    // The planner names buffers for unused optional outputs "\0unused:..."; they are not values of the model.
    private static bool IsUnused(string name) => name.StartsWith('\u0000');
}
