using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansRca.Hosting;

/// <summary>One silo of the cluster as <c>GET /v1/cluster</c> shows it.</summary>
public sealed record SiloDocument(string Name, string Address, string Status, long Activations);

/// <summary>The cluster's silos and how the project's grains are spread over them.</summary>
public sealed record ClusterDocument(IReadOnlyList<SiloDocument> Silos);

/// <summary><c>GET /v1/cluster</c>: which silos are members, and how many of the project's grains each hosts.</summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", GetAsync)
            .WithTags("Cluster")
            .WithName("GetCluster")
            .WithSummary("The silos of the cluster (active and recently dead) and the number of the project's grain activations on each.");
        return app;
    }

    public static async Task<Ok<ClusterDocument>> GetAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        var management = client.GetGrain<IManagementGrain>(0);
        var hosts = await TransientClusterCalls.RetryAsync(() => management.GetDetailedHosts(onlyActive: false), cancellationToken);
        var statistics = await TransientClusterCalls.RetryAsync(() => management.GetSimpleGrainStatistics(), cancellationToken);
        var activations = statistics
            .Where(s => s.GrainType.Contains("OrleansRca", StringComparison.Ordinal))
            .GroupBy(s => s.SiloAddress)
            .ToDictionary(g => g.Key, g => g.Sum(s => (long)s.ActivationCount));
        var silos = hosts
            .OrderBy(h => h.SiloName, StringComparer.Ordinal)
            .Select(h => new SiloDocument(h.SiloName, h.SiloAddress.ToString(), h.Status.ToString(), activations.GetValueOrDefault(h.SiloAddress)))
            .ToList();
        return TypedResults.Ok(new ClusterDocument(silos));
    }
}
