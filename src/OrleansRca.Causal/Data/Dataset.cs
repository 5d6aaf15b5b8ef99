using System.Security.Cryptography;

namespace OrleansRca.Causal.Data;

/// <summary>
/// A table as uploaded (CSV, Arrow IPC or Parquet), held as columns: every column that could be read as
/// numbers (gaps as NaN), and for each column that could not, the first reason why (naming column and
/// row). Analyses take what they need with <see cref="Select"/>, which raises those reasons only for the
/// columns they use: extra columns never matter (contract section 2).
/// </summary>
public sealed class Dataset(string id, string source, IReadOnlyList<string> names, IReadOnlyList<double[]?> columns, IReadOnlyList<CellProblem?> problems, int rows)
{
    // First, so that lists of different lengths are refused before anything else is kept.
    private readonly Dictionary<string, int> _index = IndexOf(names, columns.Count, problems.Count);

    /// <summary>Derived from the content (<see cref="IdOf"/>): the same bytes give the same id.</summary>
    public string Id { get; } = id;

    /// <summary>How errors name this table (a file name, "data", "dataset ID").</summary>
    public string Source { get; } = source;

    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>Per column: its values (NaN where a cell is empty), or null when it holds something that is not a finite number.</summary>
    public IReadOnlyList<double[]?> Columns { get; } = columns;

    /// <summary>Per column: why it is not numeric (null when it is), with the first offending row.</summary>
    public IReadOnlyList<CellProblem?> Problems { get; } = problems;

    public int Rows { get; } = rows;

    /// <summary>Bytes held by the columns (what a cache counts).</summary>
    public long SizeBytes => Columns.Sum(c => (long)(c?.Length ?? 0) * sizeof(double)) + 64L * Names.Count;

    /// <summary>Column positions by name (the first of a repeated name), once the three lists agree in length.</summary>
    private static Dictionary<string, int> IndexOf(IReadOnlyList<string> names, int columns, int problems)
    {
        if (names.Count != columns || names.Count != problems)
            throw new ArgumentException("names, columns and problems differ in length");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++) index.TryAdd(names[i], i);
        return index;
    }

    /// <summary>A content-derived id: the first 128 bits of SHA-256, in hex (SHA-NI makes it about 2 GB/s).</summary>
    public static string IdOf(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16));

    /// <summary>Whether <paramref name="id"/> could be a dataset id (32 lower-case hex digits).</summary>
    public static bool IsId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    /// <summary>Largest code of a categorical column: a coded node's fit is one regression per code, so their number is bounded.</summary>
    public const int MaxCode = 31;

    /// <summary>
    /// The columns of <paramref name="required"/>, in that order, as a table. A missing column, a cell that
    /// is not a finite number, a binary column with another value, a categorical one with a value that is not a code
    /// 0 .. <see cref="MaxCode"/>, or (with <see cref="MissingPolicy.Error"/>)
    /// an empty cell is an <see cref="InputException"/> naming column and row: the earliest such row among the
    /// required columns. With another policy, gaps stay NaN for <see cref="MissingValues.Fill"/>.
    /// </summary>
    public DataTable Select(IReadOnlyList<string> required, IReadOnlyList<NodeType>? types = null, MissingPolicy missing = MissingPolicy.Error)
    {
        if (Rows == 0) throw new InputException($"{Source} has no data rows");
        var picked = new double[required.Count][];
        CellProblem? first = null;
        for (var c = 0; c < required.Count; c++)
        {
            if (!_index.TryGetValue(required[c], out var k))
                throw new InputException($"{Source} has no column '{required[c]}' (a node of the model); its columns are: {string.Join(", ", Names)}");
            if (Problems[k] is { } p)
            {
                if (first is null || p.Row < first.Row) first = p;
                continue;
            }
            var column = Columns[k]!;
            picked[c] = column;
            var binary = types is not null && types[c] == NodeType.Binary;
            var coded = types is not null && types[c] == NodeType.Categorical;
            if (!binary && !coded && missing != MissingPolicy.Error) continue;
            for (var r = 0; r < column.Length; r++)
            {
                var v = column[r];
                if (double.IsNaN(v))
                {
                    if (missing != MissingPolicy.Error) continue;
                    if (first is null || r + 1 < first.Row)
                        first = new CellProblem(r + 1, $"{Source}: column '{required[c]}', row {r + 1} is empty (a missing value); use --missing mean|interpolate|drop to accept gaps");
                    break;
                }
                if (binary && v is not (0.0 or 1.0))
                {
                    if (first is null || r + 1 < first.Row)
                        first = new CellProblem(r + 1, $"{Source}: column '{required[c]}', row {r + 1}: {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not 0 or 1 (the node is binary)");
                    break;
                }
                if (coded && !(v >= 0 && v == Math.Floor(v) && v <= MaxCode))
                {
                    if (first is null || r + 1 < first.Row)
                        first = new CellProblem(r + 1, $"{Source}: column '{required[c]}', row {r + 1}: {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a code 0, 1, 2, ... up to {MaxCode} (the node is categorical)");
                    break;
                }
            }
        }
        if (first is not null) throw new InputException(first.Message);
        return new DataTable(required, picked);
    }
}

/// <summary>The first cell of a column that is not a finite number: its 1-based data row and the message naming it.</summary>
public sealed record CellProblem(int Row, string Message);
