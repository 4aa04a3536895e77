// `dotnet run -c Release --project bench/Neutron.Bench -- export MODEL DIR`: writes the graph as DIR/graph.json
// (nodes in order: op, inputs, outputs, attributes) and every initializer as DIR/<index>.npy, so that
// bench/torch_model.py can rebuild the same network in PyTorch (torch 1.13 here cannot read ONNX). Bench-only.
using System.Text.Json;
using Neutron.Engine.Data;
using Neutron.Engine.Onnx;
using Neutron.Engine.Tensors;

namespace Neutron.Bench;

public static class ExportMode
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: export MODEL DIR");
            return 2;
        }
        var model = OnnxReader.Load(args[0]);
        Directory.CreateDirectory(args[1]);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        int index = 0;
        foreach (var (name, tensor) in model.Initializers)
        {
            string file = $"{index++}.npy";
            Npy.Save(Path.Combine(args[1], file), tensor);
            files[name] = file;
        }
        var graph = new
        {
            inputs = model.RequiredInputs.Select(i => new { name = i.Name, shape = i.Shape }),
            outputs = model.Outputs.Select(o => o.Name),
            initializers = files,
            nodes = model.Nodes.Select(n => new
            {
                op = n.OpType,
                name = n.Name,
                inputs = n.Inputs,
                outputs = n.Outputs,
                attributes = n.Attributes.All.ToDictionary(p => p.Key, p => p.Value switch
                {
                    long l => (object)l,
                    float f => f,
                    string s => s,
                    long[] ls => ls,
                    float[] fs => fs,
                    Tensor => "<tensor>",
                    var other => other.ToString() ?? "",
                }),
            }),
        };
        File.WriteAllText(Path.Combine(args[1], "graph.json"), JsonSerializer.Serialize(graph, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {files.Count} initializers and {model.Nodes.Count} nodes to {args[1]}");
        return 0;
    }
}
