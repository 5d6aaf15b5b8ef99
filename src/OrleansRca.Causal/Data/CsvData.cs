using System.Text;

namespace OrleansRca.Causal.Data;

/// <summary>
/// CSV loading per contract section 2: a header row of names, '.' as decimal point, extra columns
/// ignored. A missing column, a non-numeric cell, NaN or infinity is an <see cref="InputException"/>
/// naming the column and the row (1-based data row, header excluded). An empty cell is an error too, unless
/// the caller accepts gaps (<see cref="MissingPolicy"/> other than <c>Error</c>): it is then read as NaN, for
/// <see cref="MissingValues.Fill"/> to resolve. The parsing is <see cref="CsvColumns"/>'.
/// </summary>
public static class CsvData
{
    public static DataTable Load(string path, IReadOnlyList<string> requiredColumns, IReadOnlyList<NodeType>? types = null,
        MissingPolicy missing = MissingPolicy.Error) =>
        CsvColumns.ReadFile(path, requiredColumns).Select(requiredColumns, types, missing);

    public static DataTable Parse(string csvText, IReadOnlyList<string> requiredColumns, IReadOnlyList<NodeType>? types = null, string source = "data",
        MissingPolicy missing = MissingPolicy.Error)
    {
        if (string.IsNullOrWhiteSpace(csvText))
            throw new InputException($"{source} is empty: it needs a header row and at least one data row");
        return CsvColumns.Read(Encoding.UTF8.GetBytes(csvText), source, requiredColumns).Select(requiredColumns, types, missing);
    }

    /// <summary>Loads the columns a model needs, in model node order.</summary>
    public static DataTable LoadFor(CausalModel model, string path, MissingPolicy missing = MissingPolicy.Error) =>
        Load(path, model.Nodes.Select(n => n.Name).ToList(), model.Nodes.Select(n => n.Type).ToList(), missing);

    public static DataTable ParseFor(CausalModel model, string csvText, string source = "data", MissingPolicy missing = MissingPolicy.Error) =>
        Parse(csvText, model.Nodes.Select(n => n.Name).ToList(), model.Nodes.Select(n => n.Type).ToList(), source, missing);
}
