// DepthToSpace (DCR or CRD mode) and its inverse SpaceToDepth, as index maps. Any element type.
//   DepthToSpace x: (N, C·b², H, W) → (N, C, H·b, W·b)   SpaceToDepth x: (N, C, H·b, W·b) → (N, C·b², H, W)
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class DepthToSpace : Operator
{
    private readonly int block;
    private readonly bool toSpace, crd;
    private readonly MapBuffer map = new();

    public DepthToSpace(Node node, long opset) : base(node, opset)
    {
        block = checked((int)node.Attributes.Int("blocksize"));
        toSpace = node.OpType == "DepthToSpace";
        crd = node.Attributes.String("mode", "DCR") == "CRD";
        if (block < 1) throw Error($"blocksize {block} must be ≥ 1", ModelErrorCode.InvalidAttribute);
    }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        if (x.Shape.Length != 4) throw Error($"input must be 4-D, got {ShapeUtil.Format(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], bb = block * block;
        if (toSpace)
        {
            if (c % bb != 0) throw Error($"{c} channels do not divide by blocksize² = {bb}");
            return [new TensorType(x.Type, [n, c / bb, h * block, w * block])];
        }
        if (h % block != 0 || w % block != 0) throw Error($"spatial size {h}×{w} does not divide by blocksize {block}");
        return [new TensorType(x.Type, [n, c * bb, h / block, w / block])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!;
        var y = outputs[0];
        var m = map.Get(y.Length);
        int b = block;
        // Walk the small-spatial side (N, C·b², H, W) and place each element on the large side (N, C, H·b, W·b).
        var deep = toSpace ? x.Shape : y.Shape;
        var wide = toSpace ? y.Shape : x.Shape;
        int n = deep[0], cd = deep[1], h = deep[2], w = deep[3], c = cd / (b * b);
        for (int img = 0; img < n; img++)
        for (int ch = 0; ch < cd; ch++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            int ci, by, bx;
            if (toSpace && crd) { ci = ch / (b * b); by = ch / b % b; bx = ch % b; }
            else { by = ch / (b * c); bx = ch / c % b; ci = ch % c; }
            int deepAt = ((img * cd + ch) * h + i) * w + j;
            int wideAt = ((img * c + ci) * wide[2] + i * b + by) * wide[3] + j * b + bx;
            if (toSpace) m[wideAt] = deepAt;
            else m[deepAt] = wideAt;
        }
        IndexMap.Copy(x, y, m);
    }
}
