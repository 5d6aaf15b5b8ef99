using System.Globalization;
using OrleansRca.Causal.Models;
using Sylvan.Data.Csv;

namespace OrleansRca.Causal.Data;

/// <summary>
/// CSV loading per contract section 2: a header row of names, '.' as decimal point, extra columns
/// ignored. A missing column, a non-numeric cell, NaN or infinity is an <see cref="InputException"/>
/// naming the column and the row (1-based data row, header excluded). An empty cell is an error too, unless
/// the caller accepts gaps (<see cref="MissingPolicy"/> other than <c>Error</c>): it is then read as NaN, for
/// <see cref="MissingValues.Fill"/> to resolve.
/// </summary>
public static class CsvData
{
    public static DataTable Load(string path, IReadOnlyList<string> requiredColumns, IReadOnlyList<NodeType>? types = null,
        MissingPolicy missing = MissingPolicy.Error)
    {
        if (!File.Exists(path)) throw new InputException($"data file '{path}' does not exist");
        using var reader = new StreamReader(path);
        return Read(reader, requiredColumns, types, Path.GetFileName(path), missing);
    }

    public static DataTable Parse(string csvText, IReadOnlyList<string> requiredColumns, IReadOnlyList<NodeType>? types = null, string source = "data",
        MissingPolicy missing = MissingPolicy.Error) =>
        Read(new StringReader(csvText), requiredColumns, types, source, missing);

    /// <summary>Loads the columns a model needs, in model node order.</summary>
    public static DataTable LoadFor(CausalModel model, string path) =>
        Load(path, model.Nodes.Select(n => n.Name).ToList(), model.Nodes.Select(n => n.Type).ToList());

    public static DataTable ParseFor(CausalModel model, string csvText, string source = "data") =>
        Parse(csvText, model.Nodes.Select(n => n.Name).ToList(), model.Nodes.Select(n => n.Type).ToList(), source);

    public static DataTable Read(TextReader text, IReadOnlyList<string> requiredColumns, IReadOnlyList<NodeType>? types, string source,
        MissingPolicy missing = MissingPolicy.Error)
    {
        if (text.Peek() < 0)
            throw new InputException($"{source} is empty: it needs a header row and at least one data row");
        CsvDataReader csv;
        try
        {
            csv = CsvDataReader.Create(text, new CsvDataReaderOptions { HasHeaders = true, Delimiter = ',' });
        }
        catch (Exception e) when (e is CsvFormatException or InvalidDataException)
        {
            throw new InputException($"{source}: cannot read the CSV header: {e.Message}");
        }
        using (csv)
        {
            var ordinals = new int[requiredColumns.Count];
            var header = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetName(i).Trim()).ToList();
            if (header.Count == 0 || header.All(string.IsNullOrEmpty))
                throw new InputException($"{source} is empty: it needs a header row and at least one data row");
            for (var c = 0; c < requiredColumns.Count; c++)
            {
                ordinals[c] = header.IndexOf(requiredColumns[c]);
                if (ordinals[c] < 0)
                    throw new InputException($"{source} has no column '{requiredColumns[c]}' (a node of the model); its columns are: {string.Join(", ", header)}");
            }

            var builders = requiredColumns.Select(_ => new List<double>(1024)).ToArray();
            var row = 0;
            try
            {
                while (csv.Read())
                {
                    row++;
                    for (var c = 0; c < ordinals.Length; c++)
                    {
                        if (ordinals[c] >= csv.RowFieldCount)
                            throw new InputException($"{source}: row {row} has only {csv.RowFieldCount} fields; column '{requiredColumns[c]}' is missing");
                        var cell = csv.GetFieldSpan(ordinals[c]).Trim();
                        if (cell.IsEmpty)
                        {
                            if (missing == MissingPolicy.Error)
                                throw new InputException($"{source}: column '{requiredColumns[c]}', row {row} is empty (a missing value); use --missing mean|interpolate|drop to accept gaps");
                            builders[c].Add(double.NaN);
                            continue;
                        }
                        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                            throw new InputException($"{source}: column '{requiredColumns[c]}', row {row}: '{cell}' is not a number");
                        if (!double.IsFinite(value))
                            throw new InputException($"{source}: column '{requiredColumns[c]}', row {row}: {cell.ToString()} is not a finite number");
                        if (types is not null && types[c] == NodeType.Binary && value is not (0.0 or 1.0))
                            throw new InputException($"{source}: column '{requiredColumns[c]}', row {row}: {cell.ToString()} is not 0 or 1 (the node is binary)");
                        builders[c].Add(value);
                    }
                }
            }
            catch (CsvFormatException e)
            {
                throw new InputException($"{source}: malformed CSV near row {row + 1}: {e.Message}");
            }
            if (row == 0) throw new InputException($"{source} has no data rows");
            return new DataTable(requiredColumns, builders.Select(b => b.ToArray()).ToArray());
        }
    }
}
