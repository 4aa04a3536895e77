// A node's attributes, typed and looked up by name with the spec's default when absent.
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Graph;

public sealed class Attributes
{
    private readonly Dictionary<string, object> values;
    private readonly string nodeDescription;

    public Attributes(Dictionary<string, object> values, string nodeDescription)
    {
        this.values = values;
        this.nodeDescription = nodeDescription;
    }

    public IReadOnlyDictionary<string, object> All => values;
    public bool Has(string name) => values.ContainsKey(name);

    public long Int(string name, long defaultValue) => values.TryGetValue(name, out var v) ? As<long>(name, v) : defaultValue;
    public long Int(string name) => As<long>(name, Required(name));
    public float Float(string name, float defaultValue) => values.TryGetValue(name, out var v) ? As<float>(name, v) : defaultValue;
    public string String(string name, string defaultValue) => values.TryGetValue(name, out var v) ? As<string>(name, v) : defaultValue;
    public long[]? Ints(string name) => values.TryGetValue(name, out var v) ? As<long[]>(name, v) : null;
    public long[] Ints(string name, long[] defaultValue) => Ints(name) ?? defaultValue;
    public float[]? Floats(string name) => values.TryGetValue(name, out var v) ? As<float[]>(name, v) : null;
    public string[]? Strings(string name) => values.TryGetValue(name, out var v) ? As<string[]>(name, v) : null;
    public Tensor? Tensor(string name) => values.TryGetValue(name, out var v) ? As<Tensor>(name, v) : null;

    private object Required(string name) =>
        values.TryGetValue(name, out var v) ? v
            : throw new ModelException(ModelErrorCode.InvalidAttribute, $"{nodeDescription}: required attribute '{name}' is missing");

    private T As<T>(string name, object value) => value is T t ? t
        : throw new ModelException(ModelErrorCode.InvalidAttribute,
            $"{nodeDescription}: attribute '{name}' is {value.GetType().Name}, expected {typeof(T).Name}");
}
