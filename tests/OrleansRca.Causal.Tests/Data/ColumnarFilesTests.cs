using Apache.Arrow;
using Apache.Arrow.Ipc;
using Parquet;
using ParquetSchema = Parquet.Schema.ParquetSchema;
using Field = Apache.Arrow.Field;

namespace OrleansRca.Causal.Tests.Data;

/// <summary>Arrow IPC streams and Parquet files written by the reference libraries read back to the same columns.</summary>
public sealed class ColumnarFilesTests
{
    private static readonly double[] X = [1.5, -2.25, 1e-300, 3e300, 0];
    private static readonly long[] N = [1, 2, 3, 4, 5];

    private static byte[] ArrowStream(bool withText = true, bool withNull = true)
    {
        var x = new DoubleArray.Builder().AppendRange(X).Build();
        var n = new Int64Array.Builder();
        for (var i = 0; i < N.Length; i++)
            if (withNull && i == 2) n.AppendNull(); else n.Append(N[i]);
        var fields = new List<Field> { new("x", Apache.Arrow.Types.DoubleType.Default, false), new("n", Apache.Arrow.Types.Int64Type.Default, true) };
        var arrays = new List<IArrowArray> { x, n.Build() };
        if (withText)
        {
            fields.Add(new Field("label", Apache.Arrow.Types.StringType.Default, false));
            arrays.Add(new StringArray.Builder().AppendRange(["a", "b", "c", "d", "e"]).Build());
        }
        var schema = new Schema(fields, null);
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, schema))
        {
            // Two batches: the reader must concatenate them in order.
            writer.WriteRecordBatch(new RecordBatch(schema, arrays.Select(a => (IArrowArray)Slice(a, 0, 2)), 2));
            writer.WriteRecordBatch(new RecordBatch(schema, arrays.Select(a => (IArrowArray)Slice(a, 2, 3)), 3));
            writer.WriteEnd();
        }
        return stream.ToArray();
    }

    private static IArrowArray Slice(IArrowArray a, int offset, int length) => ArrowArrayFactory.Slice(a, offset, length);

    [Fact]
    public void An_Arrow_stream_reads_to_doubles_with_nulls_as_gaps_and_text_kept_out()
    {
        var dataset = ColumnarFiles.Read(ArrowStream(), DataFormat.ArrowStream, "a.arrow");

        Assert.Equal(5, dataset.Rows);
        Assert.Equal(X, dataset.Columns[0]!);
        Assert.Equal([1.0, 2, double.NaN, 4, 5], dataset.Columns[1]!);
        Assert.Null(dataset.Columns[2]);
        Assert.Contains("'label'", dataset.Problems[2]!.Message, StringComparison.Ordinal);
        // A gap is an error by default, named by column and row, as in a CSV.
        Assert.Contains("column 'n', row 3 is empty", Assert.Throws<InputException>(() => dataset.Select(["x", "n"])).Message, StringComparison.Ordinal);
        Assert.Equal(X, dataset.Select(["x"]).Columns[0]);
    }

    [Fact]
    public async Task A_Parquet_file_reads_to_the_same_columns()
    {
        var x = new Parquet.Schema.DataField<double>("x");
        var n = new Parquet.Schema.DataField<long?>("n");
        var label = new Parquet.Schema.DataField<string>("label");
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(x, n, label), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<double>(x, X.AsMemory());
            await group.WriteAsync<long>(n, new long?[] { 1, 2, null, 4, 5 }.AsMemory());
            await group.WriteAsync(label, new[] { "a", "b", "c", "d", "e" });
        }

        var dataset = ColumnarFiles.Read(stream.ToArray(), DataFormat.Parquet, "p.parquet");

        Assert.Equal(5, dataset.Rows);
        Assert.Equal(X, dataset.Columns[0]!);
        Assert.Equal([1.0, 2, double.NaN, 4, 5], dataset.Columns[1]!);
        Assert.Null(dataset.Columns[2]);
    }

    [Theory]
    [InlineData(DataFormat.ArrowStream, "Arrow")]
    [InlineData(DataFormat.Parquet, "Parquet")]
    public void Corrupt_bytes_are_bad_input_naming_the_format(DataFormat format, string name)
    {
        var bytes = ArrowStream();
        var corrupt = bytes[..(bytes.Length / 3)].Concat(new byte[64]).ToArray();
        if (format == DataFormat.Parquet) corrupt = "PAR1 certainly not parquet"u8.ToArray();

        var e = Assert.Throws<InputException>(() => ColumnarFiles.Read(corrupt, format, "upload"));

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_are_chosen_by_extension_and_content_type()
    {
        Assert.Equal(DataFormat.Parquet, ColumnarFiles.FormatOfPath("m.PARQUET"));
        Assert.Equal(DataFormat.ArrowStream, ColumnarFiles.FormatOfPath("m.arrows"));
        Assert.Equal(DataFormat.Csv, ColumnarFiles.FormatOfPath("m.csv"));
        Assert.Equal(DataFormat.Csv, ColumnarFiles.FormatOfContentType("text/csv; charset=utf-8"));
        Assert.Equal(DataFormat.ArrowStream, ColumnarFiles.FormatOfContentType("application/vnd.apache.arrow.stream"));
        Assert.Null(ColumnarFiles.FormatOfContentType("application/json"));
    }
}
