using System.Text.Json.Nodes;
using OrleansRca.Causal.Mediation;
using OrleansRca.Causal.Requests;

namespace OrleansRca.Cli;

/// <summary>Where the CLI sends an analysis: the embedded silo by default, or a running cluster.</summary>
public static class Analyses
{
    public static Task<JsonObject> RunAsync(string kind, JsonObject request, string? cluster, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        // TEMPORARY: runs the core in-process until the cluster runner lands.
        _ = cluster;
        cancellationToken.ThrowIfCancellationRequested();
        return kind switch
        {
            "mediation" => Task.Run(() =>
            {
                var parsed = MediationRequest.Parse(request);
                parsed.Validate();
                return MediationEngine.Run(parsed.Model, parsed.Data, parsed.Options, progress).ToJson();
            }, cancellationToken),
            _ => throw new InvalidOperationException($"unknown analysis kind '{kind}'"),
        };
    }
}
