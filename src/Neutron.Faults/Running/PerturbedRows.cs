// The images of one chunk whose copy of one value differs bit-wise from golden, with those rows only (ascending
// image order); every other image's row is golden's. A value no image perturbs has no PerturbedRows at all.
// RowPool recycles them so a worker allocates nothing per fault once warm. Rows live in slots of one buffer, reached
// through a slot table, so dropping rows (Retain) moves slot numbers, never row data.
using System.Runtime.InteropServices;
using Neutron.Engine.Operators;
using Neutron.Engine.Tensors;

namespace Neutron.Faults.Running;

internal sealed class PerturbedRows(int capacityRows, int width)
{
    private readonly int[] images = new int[capacityRows];
    // slots[r]: where row r lives in data. Always a permutation of 0..capacityRows-1: the slots past Count are free.
    private readonly int[] slots = Identity(capacityRows);
    // Whether slots is the identity (rows stored in order, as AsBatch needs).
    private bool inOrder = true;
    private readonly float[] data = new float[(long)capacityRows * width is var size && size <= Array.MaxLength ? (int)size : throw new OutOfMemoryException($"{capacityRows} rows of {width} floats")];

    public int Width { get; } = width;
    public int Count { get; private set; }

    /// <summary>Elements outside [DirtyStart, DirtyEnd) equal golden's in every row (the whole row when unknown).</summary>
    public int DirtyStart { get; private set; }
    public int DirtyEnd { get; private set; } = width;

    /// <summary>Declares that every row differs from golden only inside [start, end).</summary>
    public void Dirty(int start, int end)
    {
        if (start < 0 || end > Width || start > end) throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {end}) is not inside a row of {Width}");
        (DirtyStart, DirtyEnd) = (start, end);
    }
    /// <summary>For rows of image planes [C, H, W]: every row equals golden outside this box of each plane (null: unknown).</summary>
    public PlaneBox? Box { get; set; }

    /// <summary>
    /// Rows of planes (channels × height × width) written only inside Box: their elements outside it hold anything,
    /// and read golden's. Copying whole golden rows for a box of a few lines was most of the box paths' cost.
    /// Readers that take whole rows call Complete first; the box paths read the box and golden around it.
    /// </summary>
    public bool Sparse { get; private set; }
    private (int Channels, int Height, int Width) planes;

    /// <summary>Marks the rows as written only inside box, of planes channels × height × width.</summary>
    public void HoldOnly(PlaneBox box, int channels, int height, int width)
    {
        if (channels * height * width != Width) throw new ArgumentException($"{channels}×{height}×{width} planes are not rows of {Width}");
        Box = box;
        planes = (channels, height, width);
        Sparse = box.Area < height * width;
    }

    /// <summary>Writes golden's elements outside the box into every row (golden: the chunk's rows of this value).</summary>
    public void Complete(ReadOnlySpan<float> golden)
    {
        if (!Sparse) return;
        for (int r = 0; r < Count; r++) Box!.Value.CopyOutside(golden.Slice(images[r] * Width, Width), Row(r), planes.Channels, planes.Height, planes.Width);
        Sparse = false;
    }

    public ReadOnlySpan<int> Images => images.AsSpan(0, Count);

    public Span<float> Row(int r) => data.AsSpan(slots[r] * Width, Width);

    /// <summary>Appends a row for image n (images must come in ascending order) and returns it to fill.</summary>
    public Span<float> Add(int image)
    {
        images[Count] = image;
        return Row(Count++);
    }

    /// <summary>Takes back the row Add appended last.</summary>
    public void RemoveLast() => Count--;

    public void Clear()
    {
        Count = 0;
        (DirtyStart, DirtyEnd) = (0, Width);
        Box = null;
        Sparse = false;
        if (inOrder) return;
        for (int i = 0; i < slots.Length; i++) slots[i] = i;
        inOrder = true;
    }

    /// <summary>Keeps the rows keep(r) accepts, in order; returns how many are left.</summary>
    public int Retain(Func<int, bool> keep)
    {
        int kept = 0;
        for (int r = 0; r < Count; r++)
        {
            if (!keep(r)) continue;
            if (kept != r)
            {
                // Swap slots: row r's data stays where it is, the dropped row's slot becomes free.
                images[kept] = images[r];
                (slots[kept], slots[r]) = (slots[r], slots[kept]);
                inOrder = false;
            }
            kept++;
        }
        return Count = kept;
    }

    /// <summary>The buffer holding rows 0..Count-1 one after the other, or null when dropped rows left them out of order.</summary>
    public float[]? InOrder => inOrder ? data : null;

    /// <summary>
    /// The rows as one batch tensor of this type and shape (no copy when the rows lie in order, else null);
    /// valid while the rows are unchanged.
    /// </summary>
    public Tensor? AsBatch(TensorType type) => inOrder ? Tensor.FromFloats(type.Type, data, type.Shape) : null;

    private static int[] Identity(int count)
    {
        var slots = new int[count];
        for (int i = 0; i < count; i++) slots[i] = i;
        return slots;
    }

    public static bool BitEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        MemoryMarshal.Cast<float, int>(a).SequenceEqual(MemoryMarshal.Cast<float, int>(b));
}

internal sealed class RowPool(int rows)
{
    /// <summary>How many image rows each PerturbedRows it hands out holds.</summary>
    public int Rows => rows;

    private readonly Dictionary<int, Stack<PerturbedRows>> free = [];

    public PerturbedRows Rent(int width)
    {
        if (free.TryGetValue(width, out var stack) && stack.Count > 0) return stack.Pop();
        return new PerturbedRows(rows, width);
    }

    /// <summary>The rows with their box, or null (the rows back in the pool) when they hold none.</summary>
    public PerturbedRows? KeepIfAny(PerturbedRows rows, PlaneBox? box)
    {
        if (rows.Count == 0)
        {
            Return(rows);
            return null;
        }
        rows.Box = box;
        return rows;
    }

    /// <summary>The same for rows written only inside box (of planes channels × height × width).</summary>
    public PerturbedRows? KeepIfAny(PerturbedRows rows, PlaneBox? box, int channels, int height, int width)
    {
        if (rows.Count == 0 || box is null)
        {
            Return(rows);
            return null;
        }
        rows.HoldOnly(box.Value, channels, height, width);
        return rows;
    }

    public void Return(PerturbedRows r)
    {
        r.Clear();
        if (!free.TryGetValue(r.Width, out var stack)) free[r.Width] = stack = new Stack<PerturbedRows>();
        stack.Push(r);
    }
}
