namespace OrleansRca.Cli.Output;

/// <summary>How the verbs' tables show values of a result document.</summary>
public static class TableCells
{
    /// <summary>A number in <paramref name="format"/> (invariant culture), or empty where the document has none.</summary>
    public static string Number(JsonNode? value, string format = "G4") =>
        value is null ? "" : value.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A list of node names, one a line.</summary>
    public static string Lines(JsonNode names) => string.Join("\n", names.AsArray().Select(n => n!.GetValue<string>()));
}
