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

    public static bool IsJson(string format) => format switch
    {
        "json" => true,
        "table" => false,
        _ => throw new Causal.InputException($"--format must be 'table' or 'json', not '{format}'"),
    };
}
