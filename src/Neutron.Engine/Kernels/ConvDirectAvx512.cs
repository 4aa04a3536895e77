// The AVX-512 micro-kernels of ConvDirect: ConvDirectAvx2's tiles with sixteen output channels per Vector512. Each
// lane is one output element's FMA chain from zero over the kc patch elements in order, then stored (first block)
// or added to what the earlier blocks left (block + stored): the bits of the avx2 tiles and of Gemm32.
// Twin: ConvDirect.Element.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vec = System.Runtime.Intrinsics.Vector512<float>;

namespace Neutron.Engine.Kernels;

[SkipLocalsInit]
internal static unsafe class ConvDirectAvx512
{
    /// <summary>12 pixels × 32 output channels (2 vectors): out[rows[r], j] (+)= Σ_p w[p, j] · x[bases[r] + offsets[p]] over
    /// p &lt; kc, the filters [p][32]. The loop walks the offsets by pointer with the filter step a constant: two registers fewer
    /// for the twelve pixel pointers, which the JIT otherwise spilled six of (ResNet-20 1.7 % faster).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile12x32<TRows>(float* w, int* offsets, int kc, float* x, int* bases, float* o, TRows rows, int ldo, bool first) where TRows : struct, IProductRows<TRows>
    {
        float* x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2], x3 = x + bases[3], x4 = x + bases[4], x5 = x + bases[5], x6 = x + bases[6], x7 = x + bases[7], x8 = x + bases[8], x9 = x + bases[9], x10 = x + bases[10], x11 = x + bases[11];
        Vec a0_0 = Vec.Zero, a0_1 = Vec.Zero, a1_0 = Vec.Zero, a1_1 = Vec.Zero, a2_0 = Vec.Zero, a2_1 = Vec.Zero, a3_0 = Vec.Zero, a3_1 = Vec.Zero;
        Vec a4_0 = Vec.Zero, a4_1 = Vec.Zero, a5_0 = Vec.Zero, a5_1 = Vec.Zero, a6_0 = Vec.Zero, a6_1 = Vec.Zero, a7_0 = Vec.Zero, a7_1 = Vec.Zero;
        Vec a8_0 = Vec.Zero, a8_1 = Vec.Zero, a9_0 = Vec.Zero, a9_1 = Vec.Zero, a10_0 = Vec.Zero, a10_1 = Vec.Zero, a11_0 = Vec.Zero, a11_1 = Vec.Zero;
        for (int* next = offsets, end = offsets + kc; next < end; next++, w += 32)
        {
            nint off = *next;
            Vec w0 = Vector512.Load(w);
            Vec w1 = Vector512.Load(w + 16);
            Vec v;
            v = Vector512.Create(x0[off]); a0_0 = Avx512F.FusedMultiplyAdd(w0, v, a0_0); a0_1 = Avx512F.FusedMultiplyAdd(w1, v, a0_1);
            v = Vector512.Create(x1[off]); a1_0 = Avx512F.FusedMultiplyAdd(w0, v, a1_0); a1_1 = Avx512F.FusedMultiplyAdd(w1, v, a1_1);
            v = Vector512.Create(x2[off]); a2_0 = Avx512F.FusedMultiplyAdd(w0, v, a2_0); a2_1 = Avx512F.FusedMultiplyAdd(w1, v, a2_1);
            v = Vector512.Create(x3[off]); a3_0 = Avx512F.FusedMultiplyAdd(w0, v, a3_0); a3_1 = Avx512F.FusedMultiplyAdd(w1, v, a3_1);
            v = Vector512.Create(x4[off]); a4_0 = Avx512F.FusedMultiplyAdd(w0, v, a4_0); a4_1 = Avx512F.FusedMultiplyAdd(w1, v, a4_1);
            v = Vector512.Create(x5[off]); a5_0 = Avx512F.FusedMultiplyAdd(w0, v, a5_0); a5_1 = Avx512F.FusedMultiplyAdd(w1, v, a5_1);
            v = Vector512.Create(x6[off]); a6_0 = Avx512F.FusedMultiplyAdd(w0, v, a6_0); a6_1 = Avx512F.FusedMultiplyAdd(w1, v, a6_1);
            v = Vector512.Create(x7[off]); a7_0 = Avx512F.FusedMultiplyAdd(w0, v, a7_0); a7_1 = Avx512F.FusedMultiplyAdd(w1, v, a7_1);
            v = Vector512.Create(x8[off]); a8_0 = Avx512F.FusedMultiplyAdd(w0, v, a8_0); a8_1 = Avx512F.FusedMultiplyAdd(w1, v, a8_1);
            v = Vector512.Create(x9[off]); a9_0 = Avx512F.FusedMultiplyAdd(w0, v, a9_0); a9_1 = Avx512F.FusedMultiplyAdd(w1, v, a9_1);
            v = Vector512.Create(x10[off]); a10_0 = Avx512F.FusedMultiplyAdd(w0, v, a10_0); a10_1 = Avx512F.FusedMultiplyAdd(w1, v, a10_1);
            v = Vector512.Create(x11[off]); a11_0 = Avx512F.FusedMultiplyAdd(w0, v, a11_0); a11_1 = Avx512F.FusedMultiplyAdd(w1, v, a11_1);
        }
        Store(o + rows.Row(0) * ldo, a0_0, first);
        Store(o + rows.Row(0) * ldo + 16, a0_1, first);
        Store(o + rows.Row(1) * ldo, a1_0, first);
        Store(o + rows.Row(1) * ldo + 16, a1_1, first);
        Store(o + rows.Row(2) * ldo, a2_0, first);
        Store(o + rows.Row(2) * ldo + 16, a2_1, first);
        Store(o + rows.Row(3) * ldo, a3_0, first);
        Store(o + rows.Row(3) * ldo + 16, a3_1, first);
        Store(o + rows.Row(4) * ldo, a4_0, first);
        Store(o + rows.Row(4) * ldo + 16, a4_1, first);
        Store(o + rows.Row(5) * ldo, a5_0, first);
        Store(o + rows.Row(5) * ldo + 16, a5_1, first);
        Store(o + rows.Row(6) * ldo, a6_0, first);
        Store(o + rows.Row(6) * ldo + 16, a6_1, first);
        Store(o + rows.Row(7) * ldo, a7_0, first);
        Store(o + rows.Row(7) * ldo + 16, a7_1, first);
        Store(o + rows.Row(8) * ldo, a8_0, first);
        Store(o + rows.Row(8) * ldo + 16, a8_1, first);
        Store(o + rows.Row(9) * ldo, a9_0, first);
        Store(o + rows.Row(9) * ldo + 16, a9_1, first);
        Store(o + rows.Row(10) * ldo, a10_0, first);
        Store(o + rows.Row(10) * ldo + 16, a10_1, first);
        Store(o + rows.Row(11) * ldo, a11_0, first);
        Store(o + rows.Row(11) * ldo + 16, a11_1, first);
    }

    /// <summary>12 pixels × 16 output channels (1 vector): out[rows[r], j] (+)= Σ_p w[p, j] · x[bases[r] + offsets[p]] over p &lt; kc,
    /// the filters [p][16], walked as Tile12x32 walks them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile12x16<TRows>(float* w, int* offsets, int kc, float* x, int* bases, float* o, TRows rows, int ldo, bool first) where TRows : struct, IProductRows<TRows>
    {
        float* x0 = x + bases[0], x1 = x + bases[1], x2 = x + bases[2], x3 = x + bases[3], x4 = x + bases[4], x5 = x + bases[5], x6 = x + bases[6], x7 = x + bases[7], x8 = x + bases[8], x9 = x + bases[9], x10 = x + bases[10], x11 = x + bases[11];
        Vec a0_0 = Vec.Zero, a1_0 = Vec.Zero, a2_0 = Vec.Zero, a3_0 = Vec.Zero, a4_0 = Vec.Zero, a5_0 = Vec.Zero, a6_0 = Vec.Zero, a7_0 = Vec.Zero;
        Vec a8_0 = Vec.Zero, a9_0 = Vec.Zero, a10_0 = Vec.Zero, a11_0 = Vec.Zero;
        for (int* next = offsets, end = offsets + kc; next < end; next++, w += 16)
        {
            nint off = *next;
            Vec w0 = Vector512.Load(w);
            Vec v;
            v = Vector512.Create(x0[off]); a0_0 = Avx512F.FusedMultiplyAdd(w0, v, a0_0);
            v = Vector512.Create(x1[off]); a1_0 = Avx512F.FusedMultiplyAdd(w0, v, a1_0);
            v = Vector512.Create(x2[off]); a2_0 = Avx512F.FusedMultiplyAdd(w0, v, a2_0);
            v = Vector512.Create(x3[off]); a3_0 = Avx512F.FusedMultiplyAdd(w0, v, a3_0);
            v = Vector512.Create(x4[off]); a4_0 = Avx512F.FusedMultiplyAdd(w0, v, a4_0);
            v = Vector512.Create(x5[off]); a5_0 = Avx512F.FusedMultiplyAdd(w0, v, a5_0);
            v = Vector512.Create(x6[off]); a6_0 = Avx512F.FusedMultiplyAdd(w0, v, a6_0);
            v = Vector512.Create(x7[off]); a7_0 = Avx512F.FusedMultiplyAdd(w0, v, a7_0);
            v = Vector512.Create(x8[off]); a8_0 = Avx512F.FusedMultiplyAdd(w0, v, a8_0);
            v = Vector512.Create(x9[off]); a9_0 = Avx512F.FusedMultiplyAdd(w0, v, a9_0);
            v = Vector512.Create(x10[off]); a10_0 = Avx512F.FusedMultiplyAdd(w0, v, a10_0);
            v = Vector512.Create(x11[off]); a11_0 = Avx512F.FusedMultiplyAdd(w0, v, a11_0);
        }
        Store(o + rows.Row(0) * ldo, a0_0, first);
        Store(o + rows.Row(1) * ldo, a1_0, first);
        Store(o + rows.Row(2) * ldo, a2_0, first);
        Store(o + rows.Row(3) * ldo, a3_0, first);
        Store(o + rows.Row(4) * ldo, a4_0, first);
        Store(o + rows.Row(5) * ldo, a5_0, first);
        Store(o + rows.Row(6) * ldo, a6_0, first);
        Store(o + rows.Row(7) * ldo, a7_0, first);
        Store(o + rows.Row(8) * ldo, a8_0, first);
        Store(o + rows.Row(9) * ldo, a9_0, first);
        Store(o + rows.Row(10) * ldo, a10_0, first);
        Store(o + rows.Row(11) * ldo, a11_0, first);
    }

    /// <summary>8 output channels × 16, 32 or 48 consecutive pixels (TWidth's vectors): sums[r, j] = Σ_p w[p, r] ·
    /// x[offsets[p] + j], handed to output vector by vector (ITileOut), the filters broadcast, the input loaded as vectors (ConvDirect's channel-rows path), through
    /// the lane masks of tap p at masks + taps[p] · 48 when the loads use them (PlaneLoads). Narrower tiles end an
    /// image whose pixels are not a multiple of 48 (784 = 16 · 48 + 16) without multiplying the lanes past it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile8<TLoads, TWidth, TOut>(float* w, int* offsets, int* taps, int kc, float* x, float* masks, ref TOut output)
        where TLoads : struct, IPlaneLoads where TWidth : struct, ITileWidth where TOut : struct, ITileOut
    {
        var loads = default(TLoads);
        Vec a0_0 = Vec.Zero, a0_1 = Vec.Zero, a0_2 = Vec.Zero, a1_0 = Vec.Zero, a1_1 = Vec.Zero, a1_2 = Vec.Zero, a2_0 = Vec.Zero, a2_1 = Vec.Zero;
        Vec a2_2 = Vec.Zero, a3_0 = Vec.Zero, a3_1 = Vec.Zero, a3_2 = Vec.Zero, a4_0 = Vec.Zero, a4_1 = Vec.Zero, a4_2 = Vec.Zero, a5_0 = Vec.Zero;
        Vec a5_1 = Vec.Zero, a5_2 = Vec.Zero, a6_0 = Vec.Zero, a6_1 = Vec.Zero, a6_2 = Vec.Zero, a7_0 = Vec.Zero, a7_1 = Vec.Zero, a7_2 = Vec.Zero;
        for (int p = 0; p < kc; p++, w += 8)
        {
            float* xp = x + offsets[p], mp = loads.Masks(masks, taps, p);
            Vec x0 = loads.Load(xp, mp);
            Vec x1 = TWidth.Vectors >= 2 ? loads.Load(xp + 16, mp + 16) : default;
            Vec x2 = TWidth.Vectors >= 3 ? loads.Load(xp + 32, mp + 32) : default;
            Vec v;
            v = Vector512.Create(w[0]); a0_0 = Avx512F.FusedMultiplyAdd(v, x0, a0_0);
            if (TWidth.Vectors >= 2) a0_1 = Avx512F.FusedMultiplyAdd(v, x1, a0_1);
            if (TWidth.Vectors >= 3) a0_2 = Avx512F.FusedMultiplyAdd(v, x2, a0_2);
            v = Vector512.Create(w[1]); a1_0 = Avx512F.FusedMultiplyAdd(v, x0, a1_0);
            if (TWidth.Vectors >= 2) a1_1 = Avx512F.FusedMultiplyAdd(v, x1, a1_1);
            if (TWidth.Vectors >= 3) a1_2 = Avx512F.FusedMultiplyAdd(v, x2, a1_2);
            v = Vector512.Create(w[2]); a2_0 = Avx512F.FusedMultiplyAdd(v, x0, a2_0);
            if (TWidth.Vectors >= 2) a2_1 = Avx512F.FusedMultiplyAdd(v, x1, a2_1);
            if (TWidth.Vectors >= 3) a2_2 = Avx512F.FusedMultiplyAdd(v, x2, a2_2);
            v = Vector512.Create(w[3]); a3_0 = Avx512F.FusedMultiplyAdd(v, x0, a3_0);
            if (TWidth.Vectors >= 2) a3_1 = Avx512F.FusedMultiplyAdd(v, x1, a3_1);
            if (TWidth.Vectors >= 3) a3_2 = Avx512F.FusedMultiplyAdd(v, x2, a3_2);
            v = Vector512.Create(w[4]); a4_0 = Avx512F.FusedMultiplyAdd(v, x0, a4_0);
            if (TWidth.Vectors >= 2) a4_1 = Avx512F.FusedMultiplyAdd(v, x1, a4_1);
            if (TWidth.Vectors >= 3) a4_2 = Avx512F.FusedMultiplyAdd(v, x2, a4_2);
            v = Vector512.Create(w[5]); a5_0 = Avx512F.FusedMultiplyAdd(v, x0, a5_0);
            if (TWidth.Vectors >= 2) a5_1 = Avx512F.FusedMultiplyAdd(v, x1, a5_1);
            if (TWidth.Vectors >= 3) a5_2 = Avx512F.FusedMultiplyAdd(v, x2, a5_2);
            v = Vector512.Create(w[6]); a6_0 = Avx512F.FusedMultiplyAdd(v, x0, a6_0);
            if (TWidth.Vectors >= 2) a6_1 = Avx512F.FusedMultiplyAdd(v, x1, a6_1);
            if (TWidth.Vectors >= 3) a6_2 = Avx512F.FusedMultiplyAdd(v, x2, a6_2);
            v = Vector512.Create(w[7]); a7_0 = Avx512F.FusedMultiplyAdd(v, x0, a7_0);
            if (TWidth.Vectors >= 2) a7_1 = Avx512F.FusedMultiplyAdd(v, x1, a7_1);
            if (TWidth.Vectors >= 3) a7_2 = Avx512F.FusedMultiplyAdd(v, x2, a7_2);
        }
        output.Put(0, 0, a0_0);
        if (TWidth.Vectors >= 2) output.Put(0, 1, a0_1);
        if (TWidth.Vectors >= 3) output.Put(0, 2, a0_2);
        output.Put(1, 0, a1_0);
        if (TWidth.Vectors >= 2) output.Put(1, 1, a1_1);
        if (TWidth.Vectors >= 3) output.Put(1, 2, a1_2);
        output.Put(2, 0, a2_0);
        if (TWidth.Vectors >= 2) output.Put(2, 1, a2_1);
        if (TWidth.Vectors >= 3) output.Put(2, 2, a2_2);
        output.Put(3, 0, a3_0);
        if (TWidth.Vectors >= 2) output.Put(3, 1, a3_1);
        if (TWidth.Vectors >= 3) output.Put(3, 2, a3_2);
        output.Put(4, 0, a4_0);
        if (TWidth.Vectors >= 2) output.Put(4, 1, a4_1);
        if (TWidth.Vectors >= 3) output.Put(4, 2, a4_2);
        output.Put(5, 0, a5_0);
        if (TWidth.Vectors >= 2) output.Put(5, 1, a5_1);
        if (TWidth.Vectors >= 3) output.Put(5, 2, a5_2);
        output.Put(6, 0, a6_0);
        if (TWidth.Vectors >= 2) output.Put(6, 1, a6_1);
        if (TWidth.Vectors >= 3) output.Put(6, 2, a6_2);
        output.Put(7, 0, a7_0);
        if (TWidth.Vectors >= 2) output.Put(7, 1, a7_1);
        if (TWidth.Vectors >= 3) output.Put(7, 2, a7_2);
    }

    /// <summary>A tile's block of sums stored to the product, or added to what a previous summation block stored there
    /// (block + sum so far).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(float* o, Vec block, bool first) =>
        Avx512F.Store(o, first ? block : Avx512F.Add(block, Avx512F.LoadVector512(o)));
}

/// <summary>Where a Tile8 puts its sums: vector j (pixels 16j to 16j + 15) of row r.</summary>
internal interface ITileOut
{
    void Put(int r, int j, Vector512<float> sums);
}

/// <summary>Rows of a product, ldo floats apart: stored, or added to what a previous summation block stored.</summary>
internal readonly unsafe struct ProductOut(float* o, int ldo, bool first) : ITileOut
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(int r, int j, Vector512<float> sums) => ConvDirectAvx512.Store(o + r * ldo + j * 16, sums, first);
}

/// <summary>Output planes finished on the way out, the sums being whole (a patch of one summation block):
/// y = f((sums + bias[r]) + shortcut), row r the plane of channel r, planes rowStride floats apart; rows from `rows`
/// on are past the layer's channels and lanes from `lanes` on past the image's pixels, neither written.</summary>
internal readonly unsafe struct FinishedOut<T>(float* y, float* bias, float* shortcut, bool convFirst, int rows, int lanes, int rowStride, T f)
    : ITileOut where T : struct, IVectorActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(int r, int j, Vector512<float> sums)
    {
        if (r >= rows) return;
        var v = sums;
        if (bias is not null) v += Vector512.Create(bias[r]);
        long at = (long)r * rowStride + j * 16;
        // The image's last vector may stop short of 16 pixels: the lanes past it are neither read nor written.
        bool whole = lanes - j * 16 >= 16;
        var mask = whole ? default : Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes - j * 16)).AsSingle();
        if (shortcut is not null)
        {
            var added = whole ? Vector512.Load(shortcut + at) : Avx512F.MaskLoad(shortcut + at, mask, Vector512<float>.Zero);
            v = convFirst ? v + added : added + v;
        }
        if (whole) Vector512.Store(f.Apply(v), y + at);
        else Avx512F.MaskStore(y + at, mask, f.Apply(v));
    }
}

/// <summary>How many vectors of 16 pixels a Tile8 multiplies.</summary>
internal interface ITileWidth
{
    static abstract int Vectors { get; }
}

internal readonly struct Width16 : ITileWidth
{
    public static int Vectors => 1;
}

internal readonly struct Width32 : ITileWidth
{
    public static int Vectors => 2;
}

internal readonly struct Width48 : ITileWidth
{
    public static int Vectors => 3;
}

/// <summary>How Tile8 loads 16 floats of a plane: whole (padded planes), or through the lane masks of the tap (0 or
/// all bits), the lanes past the image's edge read as +0: whole loads cleared by the mask where every lane's address
/// lies inside the array, masked loads where some may not (they never touch a masked lane's memory).</summary>
internal unsafe interface IPlaneLoads
{
    /// <summary>Tap p's 48 lane masks.</summary>
    float* Masks(float* masks, int* taps, int p);

    Vector512<float> Load(float* x, float* mask);
}

internal readonly unsafe struct WholeLoads : IPlaneLoads
{
    public float* Masks(float* masks, int* taps, int p) => null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(float* x, float* mask) => Vector512.Load(x);
}

internal readonly unsafe struct ClearedLoads : IPlaneLoads
{
    public float* Masks(float* masks, int* taps, int p) => masks + taps[p] * 48;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(float* x, float* mask) => Vector512.Load(x) & Vector512.Load(mask);
}

internal readonly unsafe struct MaskedLoads : IPlaneLoads
{
    public float* Masks(float* masks, int* taps, int p) => masks + taps[p] * 48;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(float* x, float* mask) => Avx512F.MaskLoad(x, Vector512.Load(mask), Vector512<float>.Zero);
}
