// A dense table of float features, one row per example, row-major, with optional column names: the input of the
// random forest (ForestTrainer) and of its predictions (ForestModel). Values must be finite: split thresholds are
// midpoints between neighbouring values. Not a general data-frame.
namespace Neutron.Protection.Forest;

public sealed class FeatureMatrix
{
    private readonly float[] values;

    public FeatureMatrix(int rows, int columns, float[] values, IReadOnlyList<string>? names = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"{values.Length} values for {rows} rows × {columns} columns", nameof(values));
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"feature {i % columns} of row {i / columns} is {values[i]}; features must be finite", nameof(values));
        if (names is not null && names.Count != columns) throw new ArgumentException($"{names.Count} names for {columns} columns", nameof(names));
        Rows = rows;
        Columns = columns;
        this.values = values;
        Names = names ?? Enumerable.Range(0, columns).Select(c => $"x{c}").ToArray();
    }

    public int Rows { get; }
    public int Columns { get; }
    public IReadOnlyList<string> Names { get; }

    public float this[int row, int column] => values[(long)row * Columns + column];

    public ReadOnlySpan<float> Row(int row) => values.AsSpan((int)((long)row * Columns), Columns);

    /// <summary>The rows listed, in that order (for cross-validation folds).</summary>
    public FeatureMatrix Select(IReadOnlyList<int> rows)
    {
        var picked = new float[(long)rows.Count * Columns];
        for (int i = 0; i < rows.Count; i++) Row(rows[i]).CopyTo(picked.AsSpan(i * Columns, Columns));
        return new FeatureMatrix(rows.Count, Columns, picked, Names);
    }

    /// <summary>Only the columns listed, in that order (e.g. a smaller feature set).</summary>
    public FeatureMatrix SelectColumns(IReadOnlyList<int> columns)
    {
        var picked = new float[(long)Rows * columns.Count];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < columns.Count; c++) picked[(long)r * columns.Count + c] = this[r, columns[c]];
        return new FeatureMatrix(Rows, columns.Count, picked, columns.Select(c => Names[c]).ToArray());
    }
}
