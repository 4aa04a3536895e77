// The output observer of one worker: fake-quantises activation sites to the campaign's datapath format (when it is
// not fp32) and applies the current activation fault to one element of one node output, in every image of the batch
// separately (a transient fault per inference, DESIGN §4). Plans of different batch sizes are resolved by name.
using Neutron.Engine.Execution;
using Neutron.Engine.Tensors;
using Neutron.Faults.Formats;
using Neutron.Faults.Models;

namespace Neutron.Faults.Running;

internal sealed class InjectionObserver : IOutputObserver
{
    private readonly IReadOnlyDictionary<string, TensorEncoding> activationEncodings;
    private readonly bool quantize;
    private readonly Dictionary<ExecutionPlan, TensorEncoding?[]> byPlan = [];
    private TensorEncoding?[] current = [];
    private ExecutionPlan? plan;

    // The active fault: value id in the current plan, element within one image, mask.
    private string? faultValue;
    private int faultId = -1;
    private long faultElement;
    private BitMask faultMask;
    private TensorEncoding? faultEncoding;

    public InjectionObserver(IReadOnlyDictionary<string, TensorEncoding> activationEncodings, bool quantize)
    {
        this.activationEncodings = activationEncodings;
        this.quantize = quantize;
    }

    /// <summary>True when the observer does anything; an fp32 run without activation fault can skip it.</summary>
    public bool Active => quantize || faultValue is not null;

    public void Bind(ExecutionPlan p)
    {
        plan = p;
        if (!byPlan.TryGetValue(p, out var table))
        {
            table = new TensorEncoding?[p.Names.Length];
            for (int id = 0; id < table.Length; id++)
                if (activationEncodings.TryGetValue(p.Names[id], out var e)) table[id] = e;
            byPlan[p] = table;
        }
        current = table;
        faultId = faultValue is null ? -1 : p.Id(faultValue);
    }

    public void SetFault(Fault? fault)
    {
        if (fault is null)
        {
            faultValue = null;
            faultId = -1;
            return;
        }
        faultValue = fault.Tensor;
        faultElement = fault.Index;
        faultMask = fault.Mask;
        faultEncoding = activationEncodings[fault.Tensor];
        faultId = plan is null ? -1 : plan.Id(fault.Tensor);
    }

    public void OnOutput(PlannedNode node, int outputIndex, Tensor output)
    {
        int id = node.OutputIds[outputIndex];
        var encoding = current[id];
        if (encoding is null) return;
        var values = output.Floats;
        if (quantize) encoding.Quantize(values);
        if (id != faultId) return;
        int images = output.Shape[0];
        long perImage = values.Length / images;
        var enc = faultEncoding!;
        for (int n = 0; n < images; n++)
        {
            long i = n * perImage + faultElement;
            values[(int)i] = enc.Decode(faultElement, faultMask.Apply(enc.Encode(faultElement, values[(int)i])));
        }
    }
}
