using System.CommandLine;

namespace OrleansRca.Cli.Commands;

/// <summary>Options every verb shares (contract section 4).</summary>
public static class CommonOptions
{
    public static Option<string> Format() => new("--format")
    {
        Description = "Output format: table (default) or json (exactly one JSON document on stdout).",
        DefaultValueFactory = _ => "table",
    };

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Address of a running cluster's gateway (host:port); default: an embedded single silo.",
    };

    /// <summary>Contract section 2: what an empty cell means. The value is checked with the request (one parser).</summary>
    public static Option<string?> Missing() => new("--missing")
    {
        Description = "Empty cells: error (default; names column and row), mean (the column's mean over the normal/training data), interpolate, or drop (leave out rows with a gap).",
    };

    public static bool IsJson(string format) => format switch
    {
        "json" => true,
        "table" => false,
        _ => throw new Causal.InputException($"--format must be 'table' or 'json', not '{format}'"),
    };
}
