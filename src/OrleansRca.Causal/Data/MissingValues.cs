namespace OrleansRca.Causal.Data;

/// <summary>What to do with an empty cell (contract section 2, <c>--missing</c>).</summary>
public enum MissingPolicy
{
    /// <summary>An empty cell is an error naming column and row (the default).</summary>
    Error,
    /// <summary>Fill with the column's mean over the normal/training data.</summary>
    Mean,
    /// <summary>Fill linearly between the column's neighbouring observed rows (the nearest one at either end).</summary>
    Interpolate,
    /// <summary>Leave out every row with a gap.</summary>
    Drop,
}

/// <summary>
/// Gaps in data: readers given a policy other than <see cref="MissingPolicy.Error"/> keep an empty cell as
/// NaN, and <see cref="Fill"/> then resolves every NaN by the policy. A column with no value at all is
/// reported by name, never invented.
/// </summary>
public static class MissingValues
{
    public static MissingPolicy Parse(string? text, string what = "missing") => text switch
    {
        null or "error" => MissingPolicy.Error,
        "mean" => MissingPolicy.Mean,
        "interpolate" => MissingPolicy.Interpolate,
        "drop" => MissingPolicy.Drop,
        _ => throw new InputException($"{what} must be error, mean, interpolate or drop, not '{text}'"),
    };

    public static string ToText(this MissingPolicy policy) => policy switch
    {
        MissingPolicy.Mean => "mean",
        MissingPolicy.Interpolate => "interpolate",
        MissingPolicy.Drop => "drop",
        _ => "error",
    };

    /// <summary>Whether any cell is a gap (NaN).</summary>
    public static bool HasGaps(DataTable table) => table.Columns.Any(c => c.Any(double.IsNaN));

    /// <summary>
    /// Per-column means over the observed (non-NaN) cells; a column with no observed cell is an error
    /// naming it and <paramref name="source"/>.
    /// </summary>
    public static double[] ObservedMeans(DataTable table, string source)
    {
        var means = new double[table.Columns.Count];
        for (var c = 0; c < means.Length; c++)
        {
            double sum = 0;
            var n = 0;
            foreach (var v in table.Columns[c])
                if (!double.IsNaN(v)) { sum += v; n++; }
            if (n == 0) throw new InputException($"{source}: column '{table.Names[c]}' has no value at all");
            means[c] = sum / n;
        }
        return means;
    }

    /// <summary>
    /// Resolves every gap of <paramref name="table"/> by <paramref name="policy"/>. <paramref name="meansFrom"/>
    /// (a table with the same column names, e.g. the normal data) supplies the means for
    /// <see cref="MissingPolicy.Mean"/>; by default the table's own observed means.
    /// </summary>
    public static DataTable Fill(DataTable table, MissingPolicy policy, string source, DataTable? meansFrom = null)
    {
        if (policy == MissingPolicy.Error)
        {
            for (var c = 0; c < table.Columns.Count; c++)
            {
                var r = Array.FindIndex(table.Columns[c], double.IsNaN);
                if (r >= 0) throw new InputException($"{source}: column '{table.Names[c]}', row {r + 1} is empty (a missing value); use --missing mean|interpolate|drop to accept gaps");
            }
            return table;
        }
        // A column with no value at all cannot be filled by any policy.
        for (var c = 0; c < table.Columns.Count; c++)
            if (table.Rows > 0 && Array.TrueForAll(table.Columns[c], double.IsNaN))
                throw new InputException($"{source}: column '{table.Names[c]}' has no value at all");

        switch (policy)
        {
            case MissingPolicy.Drop:
            {
                var keep = new List<int>(table.Rows);
                for (var r = 0; r < table.Rows; r++)
                {
                    var whole = true;
                    foreach (var column in table.Columns)
                        if (double.IsNaN(column[r])) { whole = false; break; }
                    if (whole) keep.Add(r);
                }
                if (keep.Count == table.Rows) return table;
                if (keep.Count == 0) throw new InputException($"{source}: every row has a missing value, so --missing drop leaves nothing");
                return table.SelectRows(keep.ToArray());
            }
            case MissingPolicy.Mean:
            {
                var reference = meansFrom ?? table;
                var referenceMeans = ObservedMeans(reference, meansFrom is null ? source : "the normal data");
                var columns = new double[table.Columns.Count][];
                for (var c = 0; c < columns.Length; c++)
                {
                    var k = reference.IndexOf(table.Names[c]);
                    if (k < 0) throw new InputException($"{source}: column '{table.Names[c]}' has gaps but the normal data have no such column to take its mean from");
                    columns[c] = Replace(table.Columns[c], referenceMeans[k]);
                }
                return new DataTable(table.Names, columns);
            }
            case MissingPolicy.Interpolate:
                return new DataTable(table.Names, table.Columns.Select(Interpolate).ToArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(policy));
        }
    }

    private static double[] Replace(double[] column, double value)
    {
        if (!column.Any(double.IsNaN)) return column;
        var copy = (double[])column.Clone();
        for (var r = 0; r < copy.Length; r++)
            if (double.IsNaN(copy[r])) copy[r] = value;
        return copy;
    }

    /// <summary>Linear interpolation between the nearest observed neighbours; ends take the nearest observed value.</summary>
    private static double[] Interpolate(double[] column)
    {
        if (!column.Any(double.IsNaN)) return column;
        var copy = (double[])column.Clone();
        var previous = -1;
        for (var r = 0; r <= copy.Length; r++)
        {
            if (r < copy.Length && double.IsNaN(copy[r])) continue;
            // Gap (previous, r): fill it.
            for (var g = previous + 1; g < r; g++)
            {
                copy[g] = previous < 0 ? copy[r]
                    : r == copy.Length ? copy[previous]
                    : copy[previous] + (copy[r] - copy[previous]) * (g - previous) / (r - previous);
            }
            previous = r;
        }
        return copy;
    }
}
