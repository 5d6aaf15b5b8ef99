using System.Text;

namespace OrleansRca.Causal.Tests.Data;

/// <summary>The parallel CSV reader against a plain reference parse and against the contract's error rules.</summary>
public sealed class CsvColumnsTests
{
    /// <summary>A CSV of <paramref name="rows"/> rows of shortest round-trip doubles (large enough to be cut into chunks).</summary>
    private static (string Text, double[][] Columns) Table(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, columns).Select(_ => new double[rows]).ToArray();
        var text = new StringBuilder(string.Join(",", Enumerable.Range(0, columns).Select(c => $"c{c}"))).Append('\n');
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                // Mixed magnitudes and notations: what pandas and numpy write.
                var v = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 9));
                values[c][r] = v;
                if (c > 0) text.Append(',');
                text.Append(v.ToString(c % 3 == 0 ? "E10" : "R", CultureInfo.InvariantCulture));
            }
            text.Append(r % 2 == 0 ? "\n" : "\r\n");
        }
        // "E10" keeps 11 significant digits: the reference is what that text means.
        for (var c = 0; c < columns; c += 3)
            for (var r = 0; r < rows; r++)
                values[c][r] = double.Parse(values[c][r].ToString("E10", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return (text.ToString(), values);
    }

    [Fact]
    public void A_large_table_read_in_parallel_equals_every_value_bit_for_bit()
    {
        var (text, expected) = Table(40_000, 6, seed: 1);
        Assert.True(Encoding.UTF8.GetByteCount(text) > 2 << 20, "the table must be large enough to be cut into chunks");

        var dataset = CsvColumns.Read(Encoding.UTF8.GetBytes(text), "t.csv");

        Assert.Equal(40_000, dataset.Rows);
        for (var c = 0; c < expected.Length; c++)
            Assert.Equal(expected[c], dataset.Columns[c]);
    }

    [Fact]
    public void Quoted_fields_take_the_reference_path_with_the_same_values()
    {
        var (text, expected) = Table(500, 3, seed: 2);
        // A quoted label holding a comma in front of every row: the fast path cannot split such lines.
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var withLabel = new StringBuilder("label," + lines[0] + "\n");
        for (var r = 1; r < lines.Length; r++) withLabel.Append($"\"row, {r}\",").Append(lines[r].TrimEnd('\r')).Append('\n');

        var dataset = CsvColumns.Read(Encoding.UTF8.GetBytes(withLabel.ToString()), "q.csv");

        Assert.Equal(500, dataset.Rows);
        Assert.NotNull(dataset.Problems[0]);
        for (var c = 0; c < expected.Length; c++) Assert.Equal(expected[c], dataset.Columns[c + 1]);
    }

    [Fact]
    public void Only_the_columns_asked_for_are_parsed()
    {
        var dataset = CsvColumns.Read("a,b,c\n1,x,3\n4,y,6\n"u8.ToArray(), "d.csv", ["a", "c"]);

        var table = dataset.Select(["c", "a"]);

        Assert.Equal([3.0, 6.0], table.Columns[0]);
        Assert.Equal([1.0, 4.0], table.Columns[1]);
        Assert.Throws<InputException>(() => dataset.Select(["b"]));
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,x\n5,6\n", "column 'b', row 2: 'x' is not a number")]
    [InlineData("a,b\n1,2\n3,NaN\n", "column 'b', row 2: NaN is not a finite number")]
    [InlineData("a,b\n1,2\n3,Infinity\n", "column 'b', row 2: Infinity is not a finite number")]
    [InlineData("a,b\n1,2\n3\n", "row 2 has only 1 fields; column 'b' is missing")]
    [InlineData("a,b\n1,2\n\n3,4\n", "row 2 is blank")]
    [InlineData("a,b\n1,2\n3,\n", "column 'b', row 2 is empty (a missing value)")]
    [InlineData("a,b\n", "has no data rows")]
    [InlineData("a,c\n1,2\n", "has no column 'b'")]
    public void Bad_cells_are_named_by_column_and_row(string csv, string mention)
    {
        var e = Assert.Throws<InputException>(() => CsvData.Parse(csv, ["a", "b"], source: "f.csv"));

        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("f.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_earliest_bad_row_is_named_whichever_chunk_finds_it_first()
    {
        var (text, _) = Table(60_000, 3, seed: 3);
        var lines = text.Split('\n');
        // Two bad cells far apart: chunks parse in parallel, the message must name the earlier one.
        lines[50_001] = "1,2,oops-late";
        lines[20_001] = "1,oops-early,3";
        var e = Assert.Throws<InputException>(() => CsvData.Parse(string.Join('\n', lines), ["c0", "c1", "c2"], source: "big.csv"));

        Assert.Contains("column 'c1', row 20001: 'oops-early'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaps_are_NaN_when_a_policy_accepts_them_and_a_BOM_CRLF_and_a_final_newline_change_nothing()
    {
        var table = CsvData.Parse("\uFEFFa,b\r\n1,\r\n,4\r\n5,6\r\n\r\n", ["a", "b"], missing: MissingPolicy.Mean);

        Assert.Equal(3, table.Rows);
        Assert.True(double.IsNaN(table["b"][0]));
        Assert.True(double.IsNaN(table["a"][1]));
        Assert.Equal(6.0, table["b"][2]);
    }

    [Fact]
    public void Same_bytes_same_id_other_bytes_other_id()
    {
        var a = CsvColumns.Read("a\n1\n"u8.ToArray(), "x");
        var b = CsvColumns.Read("a\n1\n"u8.ToArray(), "y");
        var c = CsvColumns.Read("a\n1.0\n"u8.ToArray(), "x");

        Assert.Equal(a.Id, b.Id);
        Assert.NotEqual(a.Id, c.Id);
        Assert.True(Dataset.IsId(a.Id));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a\n1\n"u8))[..32], a.Id);
    }

    /// <summary>
    /// The fast number parser changes nothing: over shortest round-trip doubles of every magnitude and 200,000
    /// random short strings of number characters (signs, exponents, dots, "nan", "inf", hex, separators), a cell
    /// is accepted exactly when the runtime's parser (NumberStyles.Float, invariant) reads a finite number, with
    /// the same bits.
    /// </summary>
    [Fact]
    public void Cells_parse_exactly_as_the_runtime_parser_reads_them()
    {
        var random = new Random(11);
        var cells = new List<string> { "", "-0", "+5", "1e", "1e400", "-1e400", "1e-400", "4.9e-324", "2.2250738585072014E-308",
            "1.7976931348623157E+308", "9007199254740993", "0.1", ".5", "5.", "1.e5", "NaN", "nan", "inf", "-Infinity", "0x1A", "1,5" };
        for (var i = 0; i < 20_000; i++)
        {
            var v = BitConverter.Int64BitsToDouble(random.NextInt64());
            cells.Add(v.ToString("R", CultureInfo.InvariantCulture));
            cells.Add((random.NextDouble() * Math.Pow(10, random.Next(-20, 20))).ToString("R", CultureInfo.InvariantCulture));
        }
        const string alphabet = "0123456789+-.eE nNaAiIfFxX,_";
        for (var i = 0; i < 200_000; i++)
            cells.Add(new string(Enumerable.Range(0, random.Next(0, 9)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()));
        foreach (var cell in cells)
        {
            var bytes = Encoding.UTF8.GetBytes(cell);
            var expected = double.TryParse(bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out var reference) && double.IsFinite(reference);
            var accepted = CsvColumns.TryParseNumber(bytes, out var value);
            Assert.True(expected == accepted, $"'{cell}': runtime {expected}, ours {accepted}");
            if (expected) Assert.True(BitConverter.DoubleToInt64Bits(reference) == BitConverter.DoubleToInt64Bits(value), $"'{cell}': {reference:R} against {value:R}");
        }
    }
}
