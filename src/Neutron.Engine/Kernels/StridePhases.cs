// A plane laid out so that a strided, dilated window kernel (depthwise convolution, pooling) reads whole vectors:
// the plane inside a border of a fill value, split into its stride phases. No arithmetic here; DepthwiseConv and
// PoolKernels compute on it, and their plain twins (ConvKernels.Reference, PoolKernels.MaxPlane) read the plane itself.
//
// The bordered plane has (oH−1)·sH + (kH−1)·dH + 1 rows, likewise columns; phase (py, px) holds its rows py, py + sH,
// … and columns px, px + sW, …, each PhaseH × PhaseW. Output (oy, ox) is computed at grid position
// q = oy·PhaseW + ox, and tap (ky, kx) reads phase ((ky·dH) mod sH, (kx·dW) mod sW) at
// q + (ky·dH div sH)·PhaseW + (kx·dW div sW): contiguous in q for every tap. Grid columns ox ≥ oW are computed
// and dropped. One buffer of Size floats holds the phases, slack, and the grid of results at GridAt.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neutron.Engine.Kernels;

internal readonly struct StridePhases
{
    public readonly int PhaseH, PhaseW, Phases, Grid, Size, GridAt;

    public StridePhases(Conv2D g)
    {
        int rows = (g.OutH - 1) * g.StrideH + (g.KH - 1) * g.DilationH + 1;
        int cols = (g.OutW - 1) * g.StrideW + (g.KW - 1) * g.DilationW + 1;
        PhaseH = (rows + g.StrideH - 1) / g.StrideH;
        PhaseW = (cols + g.StrideW - 1) / g.StrideW;
        Phases = g.StrideH * g.StrideW * PhaseH * PhaseW;
        Grid = g.OutH * PhaseW;
        // A tap offset plus the last grid position reaches at most PhaseW + a vector past the phases: slack there,
        // read only for dropped columns, so the results start after it.
        GridAt = Phases + PhaseW + 2 * System.Runtime.Intrinsics.Vector512<float>.Count;
        // DepthwiseConv's last block of four vectors may start at the last grid position: it writes, and its taps
        // read, up to four vectors past the grid (dropped positions).
        Size = GridAt + Grid + 4 * System.Runtime.Intrinsics.Vector512<float>.Count;
    }

    /// <summary>The border value everywhere: once per buffer, since Fill rewrites the same interior positions.</summary>
    public void Clear(float[] buffer, float border) => buffer.AsSpan(0, GridAt).Fill(border);

    /// <summary>Copies the plane's interior into the phases; the border keeps what Clear put there.</summary>
    public void Fill(Conv2D g, ReadOnlySpan<float> plane, float[] buffer)
    {
        int sh = g.StrideH, sw = g.StrideW, phaseArea = PhaseH * PhaseW;
        // Input (iy, ix) sits at bordered (iy + PadTop, ix + PadLeft); rows and columns past the extent are never read.
        int rows = Math.Min(g.H, PhaseH * sh - g.PadTop);
        int cols = Math.Min(g.W, PhaseW * sw - g.PadLeft);
        for (int iy = 0; iy < rows; iy++)
        {
            int r = iy + g.PadTop;
            var line = plane.Slice(iy * g.W, cols);
            int rowBase = (r % sh) * sw * phaseArea + (r / sh) * PhaseW;
            if (sw == 1) CopyRow(line, buffer.AsSpan(rowBase + g.PadLeft, cols));
            else if (sw == 2 && Avx2.IsSupported) SplitPairs(line, buffer, rowBase, phaseArea, g.PadLeft);
            else
                for (int px = 0; px < sw; px++)
                {
                    // Bordered columns px, px + sW, … of this row, from the first that is an input column.
                    int ix = ((px - g.PadLeft) % sw + sw) % sw, at = rowBase + px * phaseArea + (ix + g.PadLeft) / sw;
                    for (; ix < cols; ix += sw) buffer[at++] = line[ix];
                }
        }
    }

    /// <summary>
    /// Stride 2: sixteen input columns at a time, their even and odd columns de-interleaved into the two phases;
    /// input column ix goes to phase (ix + padLeft) mod 2 at (ix + padLeft) div 2, as in the general loop.
    /// </summary>
    private static void SplitPairs(ReadOnlySpan<float> line, float[] buffer, int rowBase, int phaseArea, int padLeft)
    {
        int cols = line.Length, ix = 0;
        int evenPhase = rowBase + (padLeft & 1) * phaseArea, oddPhase = rowBase + ((padLeft + 1) & 1) * phaseArea;
        ref float src = ref MemoryMarshal.GetReference(line);
        ref float dst = ref MemoryMarshal.GetArrayDataReference(buffer);
        var order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        for (; ix + 16 <= cols; ix += 16) Split16(ref src, ref dst, ix, evenPhase, oddPhase, padLeft, order);
        if (ix < cols && cols >= 16)
        {
            // The last sixteen columns from an even start overlap the ones done: they rewrite the same values, and
            // leave at most one column to the scalar tail (a 47-wide row would leave fifteen).
            ix = (cols - 16) & ~1;
            Split16(ref src, ref dst, ix, evenPhase, oddPhase, padLeft, order);
            ix += 16;
        }
        else if (cols is >= 8 and < 16)
        {
            // Rows of 8 to 15 columns (late layers' 14×14 planes): eight at a time, the last eight overlapping.
            Split8(ref src, ref dst, 0, evenPhase, oddPhase, padLeft, order);
            ix = (cols - 8) & ~1;
            Split8(ref src, ref dst, ix, evenPhase, oddPhase, padLeft, order);
            ix += 8;
        }
        for (; ix < cols; ix++) // scalar tail
        {
            int col = ix + padLeft;
            Unsafe.Add(ref dst, rowBase + (col & 1) * phaseArea + col / 2) = Unsafe.Add(ref src, ix);
        }
    }

    /// <summary>Input columns ix .. ix + 15 (ix even) into the two phases.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Split16(ref float src, ref float dst, int ix, int evenPhase, int oddPhase, int padLeft, Vector256<int> order)
    {
        var a = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref src, (nuint)ix), order);       // a0 a2 a4 a6 a1 a3 a5 a7
        var b = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref src, (nuint)(ix + 8)), order);
        Avx.Permute2x128(a, b, 0x20).StoreUnsafe(ref dst, (nuint)(evenPhase + (ix + padLeft) / 2));
        Avx.Permute2x128(a, b, 0x31).StoreUnsafe(ref dst, (nuint)(oddPhase + (ix + 1 + padLeft) / 2));
    }

    /// <summary>Input columns ix .. ix + 7 (ix even) into the two phases, four each.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Split8(ref float src, ref float dst, int ix, int evenPhase, int oddPhase, int padLeft, Vector256<int> order)
    {
        var a = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref src, (nuint)ix), order);       // a0 a2 a4 a6 a1 a3 a5 a7
        a.GetLower().StoreUnsafe(ref dst, (nuint)(evenPhase + (ix + padLeft) / 2));
        a.GetUpper().StoreUnsafe(ref dst, (nuint)(oddPhase + (ix + 1 + padLeft) / 2));
    }

    /// <summary>offsets[ky·kW + kx] = where tap (ky, kx) reads, relative to grid position q.</summary>
    public void TapOffsets(Conv2D g, Span<int> offsets)
    {
        int sh = g.StrideH, sw = g.StrideW, phaseArea = PhaseH * PhaseW;
        for (int ky = 0; ky < g.KH; ky++)
        for (int kx = 0; kx < g.KW; kx++)
        {
            int ry = ky * g.DilationH, rx = kx * g.DilationW;
            offsets[ky * g.KW + kx] = ((ry % sh) * sw + rx % sw) * phaseArea + (ry / sh) * PhaseW + rx / sw;
        }
    }

    /// <summary>The grid's kept columns into the (oH, oW) output plane.</summary>
    public void CopyOut(Conv2D g, float[] buffer, Span<float> output)
    {
        var computed = buffer.AsSpan(GridAt, Grid);
        if (PhaseW == g.OutW) computed.CopyTo(output);
        else
            for (int oy = 0; oy < g.OutH; oy++)
                CopyRow(computed.Slice(oy * PhaseW, g.OutW), output.Slice(oy * g.OutW, g.OutW));
    }

    /// <summary>
    /// A short row copy in vectors, the last one overlapping the one before: the planes of late layers are 3 to 14
    /// wide, where a call to Span.CopyTo per row costs more than the row.
    /// </summary>
    private static void CopyRow(ReadOnlySpan<float> from, Span<float> to)
    {
        int n = from.Length;
        if (n > 64)
        {
            from.CopyTo(to);
            return;
        }
        if (to.Length < n) throw new ArgumentException($"row of {n} into {to.Length}", nameof(to));
        ref float src = ref MemoryMarshal.GetReference(from);
        ref float dst = ref MemoryMarshal.GetReference(to);
        if (n < Vector256<float>.Count)
        {
            // 7×7 and smaller planes: two overlapping Vector128 copies, or element by element below four.
            if (n >= Vector128<float>.Count)
            {
                Vector128.LoadUnsafe(ref src).StoreUnsafe(ref dst);
                Vector128.LoadUnsafe(ref src, (nuint)(n - Vector128<float>.Count)).StoreUnsafe(ref dst, (nuint)(n - Vector128<float>.Count));
            }
            else
                for (int k = 0; k < n; k++) Unsafe.Add(ref dst, k) = Unsafe.Add(ref src, k);
            return;
        }
        int i = 0;
        for (; i < n - Vector256<float>.Count; i += Vector256<float>.Count)
            Vector256.LoadUnsafe(ref src, (nuint)i).StoreUnsafe(ref dst, (nuint)i);
        Vector256.LoadUnsafe(ref src, (nuint)(n - Vector256<float>.Count)).StoreUnsafe(ref dst, (nuint)(n - Vector256<float>.Count));
    }
}
