namespace OrleansRca.Causal.RootCause;

/// <summary>
/// The inputs of a localization with gaps resolved (contract section 2). Normal data are filled by the
/// policy (a column with no value at all is an error naming it). Anomalous rows keep their file index:
/// with <c>drop</c> a row with a gap is reported as dropped; with <c>mean</c> / <c>interpolate</c> a gap is
/// filled so its children can be abducted, and the node is marked unobserved in that row, never scored or
/// blamed (a service that answered no call in a 5-minute window has no latency to judge).
/// </summary>
public sealed class LocalizationData
{
    public CausalModel Model { get; }
    public DataTable Normal { get; }
    /// <summary>The anomalous rows kept, gaps filled.</summary>
    public DataTable Anomalies { get; }
    /// <summary>The 0-based file row of each kept anomalous row.</summary>
    public IReadOnlyList<int> RowIndex { get; }
    public IReadOnlyList<int> DroppedRows { get; }
    /// <summary>Node-indexed: which kept rows had an empty cell for the node (null: none).</summary>
    public IReadOnlyList<bool[]?> Unobserved { get; }

    private LocalizationData(CausalModel model, DataTable normal, DataTable anomalies, int[] rowIndex, int[] dropped, bool[]?[] unobserved)
    {
        Model = model; Normal = normal; Anomalies = anomalies; RowIndex = rowIndex; DroppedRows = dropped; Unobserved = unobserved;
    }

    public static LocalizationData Parse(CausalModel model, string normalCsv, string anomaliesCsv, MissingPolicy missing)
    {
        var names = model.Nodes.Select(n => n.Name).ToList();
        var types = model.Nodes.Select(n => n.Type).ToList();
        return Create(model, CsvData.Parse(normalCsv, names, types, "normal data", missing), CsvData.Parse(anomaliesCsv, names, types, "anomalies", missing), missing);
    }

    public static LocalizationData Load(CausalModel model, string normalPath, string anomaliesPath, MissingPolicy missing)
    {
        var names = model.Nodes.Select(n => n.Name).ToList();
        var types = model.Nodes.Select(n => n.Type).ToList();
        return Create(model, CsvData.Load(normalPath, names, types, missing), CsvData.Load(anomaliesPath, names, types, missing), missing);
    }

    /// <summary>From tables holding the model's columns (NaN = gap).</summary>
    public static LocalizationData Create(CausalModel model, DataTable normalRaw, DataTable anomaliesRaw, MissingPolicy missing)
    {
        var names = model.Graph.Names;
        foreach (var name in names)
            if (!anomaliesRaw.Contains(name)) throw new InputException($"the anomalies have no column '{name}' (a node of the model)");
        var normalColumns = Select(normalRaw, names, "normal data");
        var normal = MissingValues.Fill(normalColumns, missing, "normal data");
        var raw = Select(anomaliesRaw, names, "anomalies");
        if (missing == MissingPolicy.Error)
        {
            MissingValues.Fill(raw, missing, "anomalies");
            return new LocalizationData(model, normal, raw, Enumerable.Range(0, raw.Rows).ToArray(), [], new bool[]?[names.Count]);
        }
        if (missing == MissingPolicy.Drop)
        {
            var keep = Enumerable.Range(0, raw.Rows).Where(r => raw.Columns.All(c => !double.IsNaN(c[r]))).ToArray();
            var dropped = Enumerable.Range(0, raw.Rows).Except(keep).ToArray();
            return new LocalizationData(model, normal, raw.SelectRows(keep), keep, dropped, new bool[]?[names.Count]);
        }
        var means = MissingValues.ObservedMeans(normalColumns, "normal data");
        var columns = new double[names.Count][];
        var unobserved = new bool[]?[names.Count];
        for (var c = 0; c < names.Count; c++)
        {
            var column = raw.Columns[c];
            if (!column.Any(double.IsNaN)) { columns[c] = column; continue; }
            unobserved[c] = column.Select(double.IsNaN).ToArray();
            var mean = means[c];
            columns[c] = missing == MissingPolicy.Interpolate && !column.All(double.IsNaN)
                ? MissingValues.Fill(new DataTable([names[c]], [column]), MissingPolicy.Interpolate, "anomalies").Columns[0]
                : column.Select(v => double.IsNaN(v) ? mean : v).ToArray();
        }
        return new LocalizationData(model, normal, new DataTable(names, columns), Enumerable.Range(0, raw.Rows).ToArray(), [], unobserved);
    }

    private static DataTable Select(DataTable table, IReadOnlyList<string> names, string source) =>
        new(names, names.Select(n => table.IndexOf(n) is var i and >= 0 ? table.Columns[i] : throw new InputException($"the {source} have no column '{n}' (a node of the model)")).ToArray());
}
