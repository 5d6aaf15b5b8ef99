namespace OrleansRca.Causal.Tests.Data;

/// <summary>Contract section 2's gap policies, against values worked out by hand.</summary>
public sealed class MissingValuesTests
{
    private static readonly double Gap = double.NaN;

    private static DataTable Table(params double[][] columns) => new(columns.Select((_, i) => ((char)('a' + i)).ToString()).ToArray(), columns);

    [Fact]
    public void Mean_fills_with_the_reference_tables_observed_mean()
    {
        var normal = Table([1, 2, 3, Gap], [10, 20, 30, 40]);
        var anomalies = Table([Gap, 7], [Gap, 5]);

        var filled = MissingValues.Fill(anomalies, MissingPolicy.Mean, "anomalies", normal);

        Assert.Equal([2.0, 7.0], filled["a"]);
        Assert.Equal([25.0, 5.0], filled["b"]);
    }

    [Fact]
    public void Interpolate_is_linear_between_neighbours_and_flat_at_the_ends()
    {
        var filled = MissingValues.Fill(Table([Gap, 1, Gap, Gap, 4, Gap]), MissingPolicy.Interpolate, "d");

        Assert.Equal([1.0, 1, 2, 3, 4, 4], filled["a"]);
    }

    [Fact]
    public void Drop_leaves_out_every_row_with_a_gap()
    {
        var filled = MissingValues.Fill(Table([1, Gap, 3, 4], [5, 6, Gap, 8]), MissingPolicy.Drop, "d");

        Assert.Equal([1.0, 4], filled["a"]);
        Assert.Equal([5.0, 8], filled["b"]);
    }

    [Theory]
    [InlineData(MissingPolicy.Mean)]
    [InlineData(MissingPolicy.Interpolate)]
    [InlineData(MissingPolicy.Drop)]
    public void A_column_with_no_value_at_all_is_named_never_invented(MissingPolicy policy)
    {
        var e = Assert.Throws<InputException>(() => MissingValues.Fill(Table([1, 2], [Gap, Gap]), policy, "d"));

        Assert.Contains("column 'b' has no value at all", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_names_the_first_gap()
    {
        var e = Assert.Throws<InputException>(() => MissingValues.Fill(Table([1, 2], [3, Gap]), MissingPolicy.Error, "d"));

        Assert.Contains("column 'b', row 2 is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_names_parse_and_bad_ones_are_refused()
    {
        Assert.Equal(MissingPolicy.Interpolate, MissingValues.Parse("interpolate"));
        Assert.Contains("'zero'", Assert.Throws<InputException>(() => MissingValues.Parse("zero")).Message, StringComparison.Ordinal);
    }
}
