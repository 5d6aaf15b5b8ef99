namespace OrleansRca.Causal.Data;

/// <summary>Columnar numeric data: one <c>double[]</c> per named column, all of one length.</summary>
public sealed class DataTable
{
    private readonly Dictionary<string, int> _index;

    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<double[]> Columns { get; }
    public int Rows { get; }

    public DataTable(IReadOnlyList<string> names, IReadOnlyList<double[]> columns)
    {
        if (names.Count != columns.Count)
            throw new ArgumentException($"{names.Count} names but {columns.Count} columns");
        Rows = columns.Count == 0 ? 0 : columns[0].Length;
        for (var i = 0; i < columns.Count; i++)
            if (columns[i].Length != Rows)
                throw new ArgumentException($"column '{names[i]}' has {columns[i].Length} rows, column '{names[0]}' has {Rows}");
        Names = names;
        Columns = columns;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++) _index.TryAdd(names[i], i);
    }

    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The position of a column, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    public double[] this[string name] =>
        _index.TryGetValue(name, out var i) ? Columns[i] : throw new InputException($"the data have no column '{name}'");

    /// <summary>A new table holding the given rows (with repeats), e.g. a bootstrap resample.</summary>
    public DataTable SelectRows(ReadOnlySpan<int> rows)
    {
        var columns = new double[Columns.Count][];
        for (var c = 0; c < columns.Length; c++)
        {
            var source = Columns[c];
            var target = new double[rows.Length];
            for (var r = 0; r < rows.Length; r++) target[r] = source[rows[r]];
            columns[c] = target;
        }
        return new DataTable(Names, columns);
    }
}
