// Where a ConvDirect pixel tile stores its rows in the product: rows in a run (pixels in order), or the rows a list
// names (pixels sorted by window class). A struct type parameter, so each tile is compiled for each and a run costs
// no lookup (a 1 × 1 layer's tiles of 16 taps ran 12 % slower storing through a list).
namespace Neutron.Engine.Kernels;

internal unsafe interface IProductRows<TSelf> where TSelf : struct, IProductRows<TSelf>
{
    /// <summary>The product row of a tile's row r, from where the tile points (Output).</summary>
    nint Row(int r);

    /// <summary>The rows of the tile that starts at the chunk's row first: those of a list from its first entry on.</summary>
    TSelf From(int first);

    /// <summary>Where the tile that starts at the chunk's row first points in the product o (rows width floats
    /// apart): a run's tile at its first row, a list's at the product itself.</summary>
    float* Output(float* o, int first, int width);
}

/// <summary>Rows 0, 1, … from where the tile points. No field, so the tile keeps every register for its pixels (a field
/// held one through the loop, and the JIT spilled five pixel pointers).</summary>
internal readonly unsafe struct RowRun : IProductRows<RowRun>
{
    public nint Row(int r) => r;

    public RowRun From(int first) => this;

    public float* Output(float* o, int first, int width) => o + (long)first * width;
}

/// <summary>Rows rows[0], rows[1], … of the product.</summary>
internal readonly unsafe struct RowList(int* rows) : IProductRows<RowList>
{
    public nint Row(int r) => rows[r];

    public RowList From(int first) => new(rows + first);

    public float* Output(float* o, int first, int width) => o;
}
