using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansRca.Grains.Requests;
using OrleansRca.Wire.Requests;

namespace OrleansRca.Hosting;

/// <summary>The asynchronous analyses API: submit with POST, poll with GET.</summary>
public static class AnalysesApi
{
    /// <summary>Problem details, OpenAPI (typed schemas, examples) and the cluster health check the API relies on.</summary>
    public static IServiceCollection AddAnalysesApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ClusterUnavailableHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, WireJson.Default));
        services.AddOpenApi(ApiDocument.Configure);
        services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        services.TryAddSingleton(new ServiceOptions());
        return services;
    }

    /// <summary>The whole HTTP surface of <c>serve</c>: <c>/v1/analyses</c>, <c>/v1/datasets</c>, <c>/openapi/v1.json</c>, <c>/healthz</c>.</summary>
    public static IEndpointRouteBuilder MapAnalysesEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        app.MapGet("/healthz", HealthAsync)
            .WithTags("Operations")
            .WithName("Health")
            .WithSummary("Healthy (200) when the cluster answers with at least one active silo, else Unhealthy (503). Needs no API key.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        app.MapAnalysesApi();
        app.MapDatasetsApi();
        app.MapClusterApi();
        return app;
    }

    public static async Task<IResult> HealthAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        return Results.Text(report.Status.ToString(), "text/plain",
            statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    public static RouteGroupBuilder MapAnalysesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/analyses").WithTags("Analyses").RequireRateLimiting(RcaService.RatePolicy);
        // One route per kind, so each has its request schema and example in the OpenAPI document.
        foreach (var kind in AnalysisKinds.All)
        {
            group.MapPost($"/{kind}", (HttpRequest http, IClusterClient client, IDatasetStore store, ServiceOptions limits, CancellationToken ct) =>
                    SubmitAsync(kind, http, client, store, limits, ct))
                .WithName(ApiDocument.SubmitOperation(kind))
                .WithSummary($"Submit a {kind} analysis; poll the Location it answers with.")
                .Accepts(WireTypes.RequestOf(kind), "application/json")
                .Produces<SubmittedAnalysis>(StatusCodes.Status202Accepted)
                .ProducesUploadProblems();
        }
        // Any other kind (a 404 naming the kinds there are), or a known kind sent as something else than JSON (415).
        group.MapPost("/{kind}", SubmitAsync).ExcludeFromDescription();
        group.MapGet("/{id}", GetAsync)
            .WithName("GetAnalysis")
            .WithSummary("The status of an analysis, with its result once it succeeded.")
            .Produces<AnalysisDocument>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapDelete("/{id}", CancelAsync)
            .WithName("CancelAnalysis")
            .WithSummary("Cancel a queued or running analysis (it ends failed, error kind 'cancelled'); a finished one is left as it is.")
            .Produces<AnalysisDocument>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    private static ProblemHttpResult UnknownKind(string kind) =>
        Problem(StatusCodes.Status404NotFound, "Unknown analysis kind", $"'{kind}' is not an analysis kind; use one of {string.Join(", ", AnalysisKinds.All)}");

    public static async Task<Results<Accepted<SubmittedAnalysis>, ProblemHttpResult>> SubmitAsync(
        string kind, HttpRequest http, IClusterClient client, IDatasetStore store, ServiceOptions limits, CancellationToken cancellationToken)
    {
        if (!AnalysisKinds.IsKnown(kind)) return UnknownKind(kind);
        if (!http.HasJsonContentType())
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the analysis as application/json (the Content-Type was '{http.ContentType ?? "none"}')");

        string body;
        try
        {
            using var reader = new StreamReader(http.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's body size limit (413) and malformed framing (400).
            return Problem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", e.Message);
        }
        // The id first: the request's tables are pinned for it from the moment they are stored or named, so the
        // bounded dataset store cannot drop them before the analysis has finished with them.
        var id = GrainKeys.NewAnalysisId();
        var accepted = false;
        AnalysisStatus status;
        try
        {
            AnalysisSpec spec;
            try
            {
                var json = RequestJson.ParseObject(body);
                InputLimits.CheckRequest(json, limits);
                // Parsed once, here: inline tables become datasets, and the grains get a small typed record.
                spec = await AnalysisRequests.ParseAsync(kind, json, new StoreIntake(store, id), cancellationToken);
                await InputLimits.CheckRowsAsync(spec, store, limits, cancellationToken);
            }
            catch (InputException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad input", e.Message);
            }
            catch (DatasetStoreFullException e)
            {
                return StoreFull(http, e);
            }

            // A retried submit is safe: the orchestrator answers a repeated submit with its current status.
            status = await TransientClusterCalls.RetryAsync(() => client.GetGrain<IAnalysisOrchestratorGrain>(id).SubmitAsync(spec, cancellationToken), cancellationToken);
            if (status.Stage == AnalysisStage.Failed)
                return Problem(status.Error?.Kind == AnalysisError.BadInput ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError,
                    status.Error?.Kind == AnalysisError.BadInput ? "Bad input" : "Analysis failed", status.Error?.Message);
            accepted = true;
        }
        finally
        {
            // Not accepted: no orchestrator will release the pins (an accepted analysis' orchestrator does when it finishes).
            if (!accepted) store.Release(id);
        }
        return TypedResults.Accepted($"/v1/analyses/{id}", new SubmittedAnalysis(id, status.Stage.ToWire()));
    }

    public static async Task<Results<Ok<AnalysisDocument>, ProblemHttpResult>> CancelAsync(string id, IClusterClient client)
    {
        if (!GrainKeys.IsAnalysisId(id)) return UnknownAnalysis(id);
        var grain = client.GetGrain<IAnalysisOrchestratorGrain>(id);
        if ((await TransientClusterCalls.RetryAsync(() => grain.GetStatusAsync())).Stage == AnalysisStage.Unknown) return UnknownAnalysis(id);
        return TypedResults.Ok(Document(await TransientClusterCalls.RetryAsync(() => grain.CancelAsync())));
    }

    public static async Task<Results<Ok<AnalysisDocument>, ProblemHttpResult>> GetAsync(string id, IClusterClient client)
    {
        // Ids are ours; anything else is unknown without activating a grain for it.
        if (!GrainKeys.IsAnalysisId(id)) return UnknownAnalysis(id);
        var status = await TransientClusterCalls.RetryAsync(() => client.GetGrain<IAnalysisOrchestratorGrain>(id).GetStatusAsync());
        if (status.Stage == AnalysisStage.Unknown) return UnknownAnalysis(id);
        return TypedResults.Ok(Document(status));
    }

    private static AnalysisDocument Document(AnalysisStatus status)
    {
        var result = status.Stage == AnalysisStage.Succeeded && status.ResultJson is { } json ? JsonNode.Parse(json) : null;
        return new AnalysisDocument(status.Id, status.Kind, status.Stage.ToWire(), status.Progress, result,
            status.Stage == AnalysisStage.Failed && status.Error is { } e ? new ErrorBody(e.Kind, e.Message) : null);
    }

    private static ProblemHttpResult UnknownAnalysis(string id) =>
        Problem(StatusCodes.Status404NotFound, "Unknown analysis", $"no analysis has the id '{id}'");

    /// <summary>
    /// 413 (RFC 9110 15.5.14: content larger than the server is able to process), not 507, which is a 5xx and
    /// WebDAV's; when waiting helps (running analyses hold the room), with Retry-After as RFC 9110 suggests.
    /// </summary>
    internal static ProblemHttpResult StoreFull(HttpRequest http, DatasetStoreFullException e)
    {
        if (e.IsTemporary) http.HttpContext.Response.Headers.RetryAfter = "10";
        return Problem(StatusCodes.Status413PayloadTooLarge, "Dataset store full", e.Message);
    }

    internal static ProblemHttpResult Problem(int status, string title, string? detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}

/// <summary>Healthy when the cluster answers a management call listing at least one active silo.</summary>
internal sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("the cluster has no active silo");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", e);
        }
    }
}
