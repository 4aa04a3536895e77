// Where a ConvDirect pixel tile stores its rows in the product: rows in a run (pixels in order), or the rows a list
// names (pixels sorted by window class). A struct type parameter, so each tile is compiled for each and a run costs
// no lookup (a 1 × 1 layer's tiles of 16 taps ran 12 % slower storing through a list).
namespace Neutron.Engine.Kernels;

internal interface IProductRows<TSelf> where TSelf : struct, IProductRows<TSelf>
{
    /// <summary>The product row of row r.</summary>
    nint Row(int r);

    /// <summary>The rows from row r on.</summary>
    TSelf From(int r);
}

/// <summary>Rows 0, 1, …: the caller points the tile at its first row. No field, so the tile keeps every register for
/// its pixels (a field held one through the loop, and the JIT spilled five pixel pointers).</summary>
internal readonly struct RowRun : IProductRows<RowRun>
{
    public nint Row(int r) => r;

    public RowRun From(int r) => throw new NotSupportedException("a run of rows starts where the caller points the tile");
}

/// <summary>Rows rows[0], rows[1], …</summary>
internal readonly unsafe struct RowList(int* rows) : IProductRows<RowList>
{
    public nint Row(int r) => rows[r];

    public RowList From(int r) => new(rows + r);
}
