// neutron run MODEL --input NAME=FILE.npy [...] --out DIR [--values a,b]: runs the model once and writes every
// graph output (and the named intermediate values) as DIR/<sanitised name>.npy. Float values are written as
// float32, integer values as int64. Not a benchmark: `neutron bench` measures speed.
using System.CommandLine;
using Neutron.Engine.Data;
using Neutron.Engine.Tensors;

namespace Neutron.Cli.Commands;

public static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "ONNX model file" };
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "an input as NAME=FILE.npy (repeat for several); FILE.npy alone for a single-input model",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "folder for the .npy outputs (created if missing)", Required = true };
        var values = new Option<string[]>("--values") { Description = "intermediate values to write too, comma-separated (`neutron inspect MODEL --values` lists them)" };
        var command = new Command("run", "Run a model once on .npy inputs and write its outputs as .npy files") { model, inputs, output, values };
        command.SetAction(parse =>
        {
            var session = CliModel.Load(parse.GetValue(model)!);
            var declared = session.Inputs;
            var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var item in parse.GetValue(inputs) ?? [])
            {
                int eq = item.IndexOf('=');
                string name, file;
                if (eq > 0) (name, file) = (item[..eq], item[(eq + 1)..]);
                else if (declared.Length == 1) (name, file) = (declared[0].Name, item);
                else throw new UserError($"--input '{item}' names no input and the model has {declared.Length}",
                    $"write --input NAME=FILE.npy with NAME one of {string.Join(", ", declared.Select(d => d.Name))}");
                var info = declared.FirstOrDefault(d => d.Name == name)
                    ?? throw new UserError($"--input: the model has no input named '{name}'", $"its inputs are {string.Join(", ", declared.Select(d => d.Name))}");
                if (feeds.ContainsKey(name)) throw new UserError($"--input '{name}' is given twice", "give each input once");
                feeds[name] = Convert(Npy.Load(file), info.Type);
            }
            foreach (var d in declared)
                if (!feeds.ContainsKey(d.Name))
                    throw new UserError($"input '{d.Name}' ({d.Type.Name()}{d.ShapeText}) is not given", $"add --input {d.Name}=FILE.npy");

            var extra = CliModel.Names(parse.GetValue(values));
            var results = session.Run(feeds, extra);
            var dir = parse.GetValue(output)!;
            dir.Create();
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in session.Model.Outputs.Select(o => o.Name).Concat(extra).Distinct())
            {
                string file = CliModel.FileName(name);
                for (int k = 2; !used.Add(file); k++) file = $"{CliModel.FileName(name)}_{k}";
                string path = Path.Combine(dir.FullName, file + ".npy");
                var tensor = results[name];
                Npy.Save(path, tensor);
                Console.WriteLine($"{name}: {(tensor.IsFloating ? "float32" : "int64")}{ShapeUtil.Format(tensor.Shape)} -> {path}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    // numpy saves float64 by default: re-label within the float family (the engine computes in float32 anyway)
    // and within the integer family; across families the session reports expected vs actual.
    private static Tensor Convert(Tensor tensor, DataType wanted)
    {
        if (tensor.Type == wanted || wanted == DataType.Undefined || tensor.IsFloating != wanted.IsFloating()) return tensor;
        return tensor.IsFloating
            ? Tensor.FromFloats(wanted, tensor.Floats.ToArray().Select(v => wanted.RoundFloat(v)).ToArray(), tensor.Shape)
            : Tensor.FromLongs(wanted, tensor.Longs.ToArray().Select(v => wanted.WrapInteger(v)).ToArray(), tensor.Shape);
    }
}
