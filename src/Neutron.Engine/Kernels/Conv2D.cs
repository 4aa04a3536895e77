// The resolved shape of one 2-D convolution (1-D is height 1): everything a kernel needs, nothing it must derive.
using Neutron.Engine.Operators;

namespace Neutron.Engine.Kernels;

public sealed record Conv2D(int N, int C, int H, int W, int M, int KH, int KW, int Group,
    int StrideH, int StrideW, int DilationH, int DilationW, int PadTop, int PadLeft, int OutH, int OutW)
{
    public int CPerGroup => C / Group;
    public int MPerGroup => M / Group;
    /// <summary>Rows of the im2col matrix per group: C/group · kH · kW.</summary>
    public int PatchSize => CPerGroup * KH * KW;
    public int OutSpatial => OutH * OutW;
    /// <summary>One input and one output channel per group (MobileNet's depthwise layers).</summary>
    public bool IsDepthwise => Group == C && Group == M;
    /// <summary>A 1×1 kernel, stride 1, no padding: the input planes already are the im2col matrix.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0 && OutH == H && OutW == W;
    /// <summary>End pads. Convolution needs only the begin pads (bounds checks cover the end); average pooling's
    /// count_include_pad counts end-pad positions too, which differ from the begin pads when pads are asymmetric.</summary>
    public int PadBottom { get; init; }
    public int PadRight { get; init; }

    public bool Matches(int[] xShape, int[] wShape) =>
        xShape[0] == N && xShape[1] == C && (xShape.Length == 3 ? H == 1 && xShape[2] == W : xShape[2] == H && xShape[3] == W)
        && wShape[0] == M && (wShape.Length == 3 ? KH == 1 && wShape[2] == KW : wShape[2] == KH && wShape[3] == KW);

    public static Conv2D From(ConvGeometry g, int[] xShape, int[] wShape, int group)
    {
        if (g.Rank == 1)
            return new Conv2D(xShape[0], xShape[1], 1, xShape[2], wShape[0], 1, wShape[2], group,
                1, g.Strides[0], 1, g.Dilations[0], 0, g.Pads[0], 1, g.OutputSize[0]) { PadRight = g.Pads[1] };
        return new Conv2D(xShape[0], xShape[1], xShape[2], xShape[3], wShape[0], wShape[2], wShape[3], group,
            g.Strides[0], g.Strides[1], g.Dilations[0], g.Dilations[1], g.Pads[0], g.Pads[1], g.OutputSize[0], g.OutputSize[1])
            { PadBottom = g.Pads[2], PadRight = g.Pads[3] };
    }
}
