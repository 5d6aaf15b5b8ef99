using System.Runtime.CompilerServices;
using System.Text;
using csFastFloat;
using Sylvan.Data.Csv;

namespace OrleansRca.Causal.Data;

/// <summary>
/// CSV bytes to columns, on every core, in one parse. The body is cut into chunks at line ends; a quick
/// count of line ends gives each chunk its first row, so every chunk parses straight into the final
/// column arrays and names rows exactly in its errors. Only the columns asked for are parsed. A body with
/// a quote character (quoted fields may hold commas or line ends) goes through Sylvan's reader instead,
/// one thread, with the same results and messages.
/// </summary>
public static class CsvColumns
{
    /// <summary>Chunks per core: enough to balance uneven lines, few enough that the per-chunk cost is nothing.</summary>
    private const int ChunksPerCore = 4;

    /// <summary>Below this the body is parsed on one thread.</summary>
    private const int ParallelThreshold = 1 << 20;

    public static Dataset ReadFile(string path, IReadOnlyCollection<string>? columns = null)
    {
        if (!File.Exists(path)) throw new InputException($"data file '{path}' does not exist");
        var bytes = File.ReadAllBytes(path);
        return Read(bytes, Path.GetFileName(path), columns);
    }

    /// <summary>
    /// Parses <paramref name="content"/> (UTF-8 CSV, header row first). <paramref name="columns"/>: the
    /// columns to parse (null: all); the others are listed with no values, as a problem "not parsed".
    /// </summary>
    public static Dataset Read(ReadOnlyMemory<byte> content, string source, IReadOnlyCollection<string>? columns = null, string? id = null)
    {
        id ??= Dataset.IdOf(content.Span);
        var span = content.Span;
        if (span.StartsWith("\uFEFF"u8)) { content = content[3..]; span = content.Span; }
        var headerEnd = span.IndexOf((byte)'\n');
        var headerBytes = headerEnd < 0 ? span : span[..headerEnd];
        var names = ParseHeader(TrimLineEnd(headerBytes), source);
        if (names.Count == 0 || names.All(string.IsNullOrEmpty))
            throw new InputException($"{source} is empty: it needs a header row and at least one data row");
        var body = headerEnd < 0 ? ReadOnlyMemory<byte>.Empty : content[(headerEnd + 1)..];
        body = body[..TrimmedLength(body.Span)];
        if (body.Span.IndexOf((byte)'"') >= 0) return ReadQuoted(content, source, names, columns, id);

        var wanted = new bool[names.Count];
        for (var c = 0; c < names.Count; c++) wanted[c] = columns is null || columns.Contains(names[c]);
        // A name given twice: the first column wins (as a lookup by name finds it).
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < names.Count; c++)
            if (!seen.Add(names[c])) wanted[c] = false;

        var chunks = Cut(body, body.Length < ParallelThreshold ? 1 : Environment.ProcessorCount * ChunksPerCore);
        var firstRow = new int[chunks.Count + 1];
        for (var k = 0; k < chunks.Count; k++)
            firstRow[k + 1] = firstRow[k] + (chunks[k].Length == 0 ? 0 : chunks[k].Span.Count((byte)'\n') + 1);
        var rows = firstRow[chunks.Count];

        var values = new double[names.Count][];
        for (var c = 0; c < names.Count; c++)
            if (wanted[c]) values[c] = GC.AllocateUninitializedArray<double>(rows);
        var problems = new CellProblem?[chunks.Count][];
        Parallel.For(0, chunks.Count, new ParallelOptions { MaxDegreeOfParallelism = chunks.Count == 1 ? 1 : -1 }, k =>
            problems[k] = chunks[k].Length == 0 ? new CellProblem?[names.Count] : ParseChunk(chunks[k].Span, firstRow[k], names, wanted, values, source));

        // The earliest problem of each column over all chunks (chunks are in row order).
        var columnProblems = new CellProblem?[names.Count];
        var result = new double[]?[names.Count];
        for (var c = 0; c < names.Count; c++)
        {
            if (!wanted[c])
            {
                columnProblems[c] = new CellProblem(0, $"{source}: column '{names[c]}' was not read");
                continue;
            }
            foreach (var chunk in problems)
                if (chunk[c] is { } p) { columnProblems[c] = p; break; }
            result[c] = columnProblems[c] is null ? values[c] : null;
        }
        return new Dataset(id, source, names, result, columnProblems, rows);
    }

    /// <summary>
    /// A finite number in the invariant culture, as double.TryParse with NumberStyles.Float reads it. Most cells go
    /// through csFastFloat (Lemire's algorithm, correctly rounded like the runtime's parser, about 5x faster per cell);
    /// it is trusted only when it reads the whole cell to a finite value. Anything else (signs it does not take, "NaN",
    /// a trailing letter) is decided by the runtime's parser, so what is accepted and rejected does not change.
    /// </summary>
    internal static bool TryParseNumber(ReadOnlySpan<byte> cell, out double value)
    {
        if (!cell.IsEmpty && FastDoubleParser.TryParseDouble(cell, out var used, out value) && used == cell.Length && double.IsFinite(value))
            return true;
        return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    // Full optimisation at first call: a one-shot CLI parses once, and tier-0 code would parse at a third of the speed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CellProblem?[] ParseChunk(ReadOnlySpan<byte> chunk, int firstRow, List<string> names, bool[] wanted, double[][] values, string source)
    {
        var problems = new CellProblem?[names.Count];
        var row = firstRow;
        while (true)
        {
            var end = chunk.IndexOf((byte)'\n');
            var line = TrimLineEnd(end < 0 ? chunk : chunk[..end]);
            chunk = end < 0 ? [] : chunk[(end + 1)..];
            ParseLine(line, row, names, wanted, values, problems, source);
            row++;
            if (end < 0) break;
        }
        return problems;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseLine(ReadOnlySpan<byte> line, int row, List<string> names, bool[] wanted, double[][] values, CellProblem?[] problems, string source)
    {
        var dataRow = row + 1;
        if (line.IsEmpty)
        {
            for (var c = 0; c < names.Count; c++)
                if (wanted[c]) Fail(c, $"{source}: row {dataRow} is blank");
            return;
        }
        var field = 0;
        while (field < names.Count)
        {
            var comma = line.IndexOf((byte)',');
            var cell = comma < 0 ? line : line[..comma];
            if (wanted[field])
            {
                cell = cell.Trim(" \t"u8);
                if (cell.IsEmpty) values[field][row] = double.NaN;
                else if (TryParseNumber(cell, out var v))
                    values[field][row] = v;
                else
                {
                    values[field][row] = double.NaN;
                    Fail(field, BadCell(source, names[field], dataRow, Encoding.UTF8.GetString(cell)));
                }
            }
            field++;
            if (comma < 0) break;
            line = line[(comma + 1)..];
        }
        for (var c = field; c < names.Count; c++)
            if (wanted[c]) Fail(c, $"{source}: row {dataRow} has only {field} fields; column '{names[c]}' is missing");

        void Fail(int c, string message)
        {
            if (wanted[c]) values[c][row] = double.NaN;
            problems[c] ??= new CellProblem(dataRow, message);
        }
    }

    /// <summary>Why a non-empty cell is not a value: not a number at all, or NaN / infinity (contract section 2).</summary>
    private static string BadCell(string source, string column, int row, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $"{source}: column '{column}', row {row}: {text} is not a finite number"
            : $"{source}: column '{column}', row {row}: '{text}' is not a number";

    /// <summary>Cuts <paramref name="body"/> into about <paramref name="parts"/> pieces, each ending just before a line end.</summary>
    private static List<ReadOnlyMemory<byte>> Cut(ReadOnlyMemory<byte> body, int parts)
    {
        var chunks = new List<ReadOnlyMemory<byte>>(parts);
        var size = Math.Max(1, body.Length / parts);
        var start = 0;
        while (start < body.Length)
        {
            var cut = Math.Min(body.Length, start + size);
            if (cut < body.Length)
            {
                var nl = body.Span[cut..].IndexOf((byte)'\n');
                cut = nl < 0 ? body.Length : cut + nl;
            }
            chunks.Add(body[start..cut]);
            start = cut + 1;
        }
        if (chunks.Count == 0) chunks.Add(ReadOnlyMemory<byte>.Empty);
        return chunks;
    }

    private static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    /// <summary>The body without trailing line ends and blanks (a final newline is not an empty row).</summary>
    private static int TrimmedLength(ReadOnlySpan<byte> body)
    {
        var n = body.Length;
        while (n > 0 && body[n - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t') n--;
        return n;
    }

    private static List<string> ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        var text = Encoding.UTF8.GetString(header);
        try
        {
            using var csv = CsvDataReader.Create(new StringReader(text + "\n"), new CsvDataReaderOptions { HasHeaders = true, Delimiter = ',' });
            return Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToList();
        }
        catch (Exception e) when (e is CsvFormatException or InvalidDataException)
        {
            throw new InputException($"{source}: cannot read the CSV header: {e.Message}");
        }
    }

    /// <summary>Quoted fields: Sylvan's RFC 4180 reader, one thread, into the same shape.</summary>
    private static Dataset ReadQuoted(ReadOnlyMemory<byte> content, string source, List<string> names, IReadOnlyCollection<string>? columns, string id)
    {
        var wanted = names.Select((n, c) => (columns is null || columns.Contains(n)) && names.IndexOf(n) == c).ToArray();
        var builders = names.Select(_ => new List<double>()).ToArray();
        var problems = new CellProblem?[names.Count];
        var row = 0;
        using var reader = new StreamReader(new MemoryStream(content.ToArray()), Encoding.UTF8);
        try
        {
            using var csv = CsvDataReader.Create(reader, new CsvDataReaderOptions { HasHeaders = true, Delimiter = ',' });
            while (csv.Read())
            {
                row++;
                for (var c = 0; c < names.Count; c++)
                {
                    if (!wanted[c]) continue;
                    if (c >= csv.RowFieldCount)
                    {
                        problems[c] ??= new CellProblem(row, $"{source}: row {row} has only {csv.RowFieldCount} fields; column '{names[c]}' is missing");
                        builders[c].Add(double.NaN);
                        continue;
                    }
                    var cell = csv.GetFieldSpan(c).Trim();
                    if (cell.IsEmpty) builders[c].Add(double.NaN);
                    else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) builders[c].Add(v);
                    else
                    {
                        problems[c] ??= new CellProblem(row, BadCell(source, names[c], row, cell.ToString()));
                        builders[c].Add(double.NaN);
                    }
                }
            }
        }
        catch (CsvFormatException e)
        {
            throw new InputException($"{source}: malformed CSV near row {row + 1}: {e.Message}");
        }
        var result = new double[]?[names.Count];
        for (var c = 0; c < names.Count; c++)
        {
            if (!wanted[c]) problems[c] = new CellProblem(0, $"{source}: column '{names[c]}' was not read");
            else if (problems[c] is null) result[c] = builders[c].ToArray();
        }
        return new Dataset(id, source, names, result, problems, row);
    }
}
