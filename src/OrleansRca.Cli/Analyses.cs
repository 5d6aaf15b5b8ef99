using System.Text.Json.Nodes;
using OrleansRca.Causal.Requests;
using OrleansRca.Hosting;

namespace OrleansRca.Cli;

/// <summary>Where the CLI sends an analysis: an embedded single silo by default, or a running cluster.</summary>
public static class Analyses
{
    /// <summary><see cref="RunAsync"/> with a progress bar on a terminal's standard error.</summary>
    public static Task<JsonObject> RunWithProgressAsync(string kind, JsonObject request, string? cluster, CancellationToken cancellationToken) =>
        Output.ProgressDisplay.RunAsync(kind, p => RunAsync(kind, request, cluster, p, cancellationToken));

    /// <summary>
    /// A discovery, run on the core directly until the orchestrator has a discovery workflow: the one
    /// place the CLI reaches it, so routing it through the cluster changes only this.
    /// </summary>
    public static JsonObject RunDiscovery(JsonObject request)
    {
        var parsed = DiscoveryRequest.Parse(request);
        return parsed.ToJson(parsed.Run());
    }

    public static async Task<JsonObject> RunAsync(string kind, JsonObject request, string? cluster, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        // Everything checkable without a cluster is checked before one starts: bad input fails in milliseconds.
        if (kind == OrleansRca.Abstractions.AnalysisKinds.Mediation) MediationRequest.Parse(request).Validate();
        else if (DiscreteRequests.IsDiscrete(kind)) DiscreteRequests.ParseAndValidate(kind, request);
        await using var runner = await RcaHost.StartRunnerAsync(cluster, cancellationToken);
        return await runner.RunAsync(kind, request, progress, cancellationToken);
    }
}
