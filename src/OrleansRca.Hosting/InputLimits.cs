namespace OrleansRca.Hosting;

/// <summary>
/// The service's bounds on one request (<see cref="ServiceOptions"/>): model size and formula length are checked
/// on the JSON before anything is parsed or compiled; rows once the tables are datasets.
/// </summary>
public static class InputLimits
{
    /// <exception cref="InputException">A bound is exceeded; the message names it, the figure and the option that sets it.</exception>
    public static void CheckRequest(JsonObject body, ServiceOptions limits)
    {
        if (body["model"] is not JsonObject model) return;
        if (model["nodes"] is JsonArray nodes && nodes.Count > limits.MaxModelNodes)
            throw new InputException($"model: {nodes.Count} nodes is more than this server accepts ({limits.MaxModelNodes}; serve --max-model-nodes)");
        if (model["edges"] is JsonArray edges && edges.Count > (long)limits.MaxModelNodes * 8)
            throw new InputException($"model: {edges.Count} edges is more than this server accepts ({(long)limits.MaxModelNodes * 8}, 8 per allowed node; serve --max-model-nodes)");
        if (model["mechanisms"] is not JsonObject mechanisms) return;
        foreach (var (node, mechanism) in mechanisms)
            if (mechanism is JsonObject m && m["expression"] is JsonValue v && v.TryGetValue<string>(out var expression) && expression.Length > limits.MaxFormulaLength)
                throw new InputException($"model: the formula of '{node}' has {expression.Length} characters, more than this server accepts ({limits.MaxFormulaLength}; serve --max-formula-length)");
    }

    /// <exception cref="InputException">A table of <paramref name="spec"/> has more rows than <see cref="ServiceOptions.MaxRows"/>.</exception>
    public static async Task CheckRowsAsync(AnalysisSpec spec, IDatasetStore store, ServiceOptions limits, CancellationToken cancellationToken)
    {
        foreach (var (field, data) in Tables(spec))
            if (await store.DescribeAsync(data.DatasetId, cancellationToken).ConfigureAwait(false) is { } info && info.Rows > limits.MaxRows)
                throw new InputException($"{field}: {info.Rows} rows is more than this server accepts ({limits.MaxRows}; serve --max-rows)");
    }

    private static IEnumerable<(string Field, DataRef Data)> Tables(AnalysisSpec spec) => spec switch
    {
        MediationSpec m => [("data", m.Data)],
        LocalizationSpec l => [("normal", l.Normal), ("anomalies", l.Anomalies)],
        MitigationSpec m => [("normal", m.Normal), ("anomalies", m.Anomalies)],
        DiscoverySpec d => d.Data.Select((r, i) => ($"data[{i}]", r)),
        _ => [],
    };
}
