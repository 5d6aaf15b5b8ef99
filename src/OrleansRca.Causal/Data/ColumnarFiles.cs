using Apache.Arrow;
using Apache.Arrow.Ipc;
using Parquet;
using Parquet.Schema;

namespace OrleansRca.Causal.Data;

/// <summary>The formats a dataset arrives in (contract section 6).</summary>
public enum DataFormat { Csv, ArrowStream, Parquet }

/// <summary>
/// Apache Arrow IPC streams and Parquet files to a <see cref="Dataset"/>. Numeric columns of any width
/// become doubles, nulls become gaps (NaN); a column of another type (text, dates) is kept as a problem,
/// raised only if an analysis needs it. A corrupt body is an <see cref="InputException"/> naming the format.
/// </summary>
public static class ColumnarFiles
{
    /// <summary>By file extension: <c>.parquet</c>, <c>.arrow</c> / <c>.arrows</c> / <c>.ipc</c>, else CSV.</summary>
    public static DataFormat FormatOfPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" or ".pq" => DataFormat.Parquet,
        ".arrow" or ".arrows" or ".ipc" or ".feather" => DataFormat.ArrowStream,
        _ => DataFormat.Csv,
    };

    /// <summary>By HTTP content type: <c>text/csv</c>, <c>application/vnd.apache.arrow.stream</c>, <c>application/vnd.apache.parquet</c>.</summary>
    public static DataFormat? FormatOfContentType(string? contentType)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "text/csv" or "text/plain" or "application/csv" => DataFormat.Csv,
            "application/vnd.apache.arrow.stream" or "application/vnd.apache.arrow.file" => DataFormat.ArrowStream,
            "application/vnd.apache.parquet" or "application/x-parquet" or "application/parquet" => DataFormat.Parquet,
            _ => null,
        };
    }

    /// <summary>Reads a file in the format its extension names.</summary>
    public static Dataset ReadFile(string path, IReadOnlyCollection<string>? columns = null)
    {
        if (!File.Exists(path)) throw new InputException($"data file '{path}' does not exist");
        var format = FormatOfPath(path);
        if (format == DataFormat.Csv) return CsvColumns.ReadFile(path, columns);
        return Read(File.ReadAllBytes(path), format, Path.GetFileName(path));
    }

    /// <param name="id">The content's id when the caller has computed it already (<see cref="Dataset.IdOf"/>).</param>
    public static Dataset Read(ReadOnlyMemory<byte> content, DataFormat format, string source, IReadOnlyCollection<string>? columns = null, string? id = null) => format switch
    {
        DataFormat.Csv => CsvColumns.Read(content, source, columns, id),
        DataFormat.ArrowStream => ReadArrow(content, source, id),
        DataFormat.Parquet => ReadParquet(content, source, id),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static Dataset ReadArrow(ReadOnlyMemory<byte> content, string source, string? id = null)
    {
        id ??= Dataset.IdOf(content.Span);
        try
        {
            using var reader = new ArrowStreamReader(content);
            var batches = new List<RecordBatch>();
            while (reader.ReadNextRecordBatch() is { } batch) batches.Add(batch);
            var schema = reader.Schema ?? throw new InputException($"{source}: not an Arrow IPC stream (no schema)");
            var rows = checked((int)batches.Sum(b => (long)b.Length));
            var names = schema.FieldsList.Select(f => f.Name).ToList();
            var columns = new double[]?[names.Count];
            var problems = new CellProblem?[names.Count];
            for (var c = 0; c < names.Count; c++)
            {
                var values = new double[rows];
                var at = 0;
                foreach (var batch in batches)
                {
                    var array = batch.Column(c);
                    if (!TryCopy(array, values.AsSpan(at, array.Length)))
                    {
                        problems[c] = new CellProblem(1, $"{source}: column '{names[c]}' has Arrow type {schema.FieldsList[c].DataType.Name}, not a number");
                        break;
                    }
                    at += array.Length;
                }
                problems[c] ??= FirstNonFinite(values, names[c], source);
                if (problems[c] is null) columns[c] = values;
            }
            return new Dataset(id, source, names, columns, problems, rows);
        }
        // Untrusted bytes: whatever the decoder trips on is the body's fault, and is said so.
        catch (Exception e) when (e is not (InputException or OutOfMemoryException))
        {
            throw new InputException($"{source}: not a valid Arrow IPC stream: {e.Message}");
        }
    }

    private static bool TryCopy(IArrowArray array, Span<double> target)
    {
        switch (array)
        {
            case DoubleArray a: Fill(a, target, a.Values); return true;
            case FloatArray a: Fill(a, target, a.Values); return true;
            case Int64Array a: Fill(a, target, a.Values); return true;
            case Int32Array a: Fill(a, target, a.Values); return true;
            case Int16Array a: Fill(a, target, a.Values); return true;
            case Int8Array a: Fill(a, target, a.Values); return true;
            case UInt64Array a: Fill(a, target, a.Values); return true;
            case UInt32Array a: Fill(a, target, a.Values); return true;
            case UInt16Array a: Fill(a, target, a.Values); return true;
            case UInt8Array a: Fill(a, target, a.Values); return true;
            case BooleanArray a:
                for (var i = 0; i < a.Length; i++) target[i] = a.GetValue(i) is { } b ? (b ? 1 : 0) : double.NaN;
                return true;
            default: return false;
        }
    }

    private static void Fill<T>(IArrowArray array, Span<double> target, ReadOnlySpan<T> values) where T : struct, System.Numerics.INumberBase<T>
    {
        for (var i = 0; i < target.Length; i++) target[i] = double.CreateTruncating(values[i]);
        if (array.NullCount > 0)
            for (var i = 0; i < target.Length; i++)
                if (array.IsNull(i)) target[i] = double.NaN;
    }

    public static Dataset ReadParquet(ReadOnlyMemory<byte> content, string source, string? id = null)
    {
        id ??= Dataset.IdOf(content.Span);
        try
        {
            return ReadParquetAsync(content, source, id).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not (InputException or OutOfMemoryException))
        {
            throw new InputException($"{source}: not a valid Parquet file: {e.Message}");
        }
    }

    private static async Task<Dataset> ReadParquetAsync(ReadOnlyMemory<byte> content, string source, string id)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields();
        var rows = checked((int)Enumerable.Range(0, reader.RowGroupCount).Sum(g => reader.OpenRowGroupReader(g).RowCount));
        var names = fields.Select(f => f.Name).ToList();
        var columns = new double[]?[fields.Length];
        var problems = new CellProblem?[fields.Length];
        for (var c = 0; c < fields.Length; c++)
        {
            var field = fields[c];
            if (field.IsArray || !IsNumeric(field.ClrType))
            {
                problems[c] = new CellProblem(1, $"{source}: column '{field.Name}' has Parquet type {field.ClrType.Name}{(field.IsArray ? "[]" : "")}, not a number");
                continue;
            }
            var values = new double[rows];
            var at = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                await ReadNumbersAsync(group, field, values.AsMemory(at, n)).ConfigureAwait(false);
                at += n;
            }
            problems[c] = FirstNonFinite(values, field.Name, source);
            if (problems[c] is null) columns[c] = values;
        }
        return new Dataset(id, source, names, columns, problems, rows);
    }

    private static bool IsNumeric(Type t) =>
        t == typeof(double) || t == typeof(float) || t == typeof(long) || t == typeof(int) || t == typeof(short) || t == typeof(sbyte)
        || t == typeof(ulong) || t == typeof(uint) || t == typeof(ushort) || t == typeof(byte) || t == typeof(bool) || t == typeof(decimal);

    private static Task ReadNumbersAsync(ParquetRowGroupReader group, DataField field, Memory<double> target) => field.ClrType switch
    {
        var t when t == typeof(double) => ReadAsync<double>(group, field, target),
        var t when t == typeof(float) => ReadAsync<float>(group, field, target),
        var t when t == typeof(long) => ReadAsync<long>(group, field, target),
        var t when t == typeof(int) => ReadAsync<int>(group, field, target),
        var t when t == typeof(short) => ReadAsync<short>(group, field, target),
        var t when t == typeof(sbyte) => ReadAsync<sbyte>(group, field, target),
        var t when t == typeof(ulong) => ReadAsync<ulong>(group, field, target),
        var t when t == typeof(uint) => ReadAsync<uint>(group, field, target),
        var t when t == typeof(ushort) => ReadAsync<ushort>(group, field, target),
        var t when t == typeof(byte) => ReadAsync<byte>(group, field, target),
        var t when t == typeof(decimal) => ReadAsync<decimal>(group, field, target),
        var t when t == typeof(bool) => ReadBoolAsync(group, field, target),
        _ => throw new NotSupportedException($"column '{field.Name}': type {field.ClrType.Name}"),
    };

    private static async Task ReadAsync<T>(ParquetRowGroupReader group, DataField field, Memory<double> target) where T : struct, System.Numerics.INumberBase<T>
    {
        var buffer = new T?[target.Length];
        await group.ReadAsync(field, buffer.AsMemory(), null).ConfigureAwait(false);
        var span = target.Span;
        for (var i = 0; i < span.Length; i++) span[i] = buffer[i] is { } v ? double.CreateTruncating(v) : double.NaN;
    }

    private static async Task ReadBoolAsync(ParquetRowGroupReader group, DataField field, Memory<double> target)
    {
        var buffer = new bool?[target.Length];
        await group.ReadAsync(field, buffer.AsMemory(), null).ConfigureAwait(false);
        var span = target.Span;
        for (var i = 0; i < span.Length; i++) span[i] = buffer[i] is { } v ? (v ? 1 : 0) : double.NaN;
    }

    /// <summary>NaN stands for a gap; an infinity is a problem, as in a CSV.</summary>
    private static CellProblem? FirstNonFinite(double[] values, string name, string source)
    {
        for (var r = 0; r < values.Length; r++)
            if (double.IsInfinity(values[r]))
                return new CellProblem(r + 1, $"{source}: column '{name}', row {r + 1}: {values[r]} is not a finite number");
        return null;
    }
}
