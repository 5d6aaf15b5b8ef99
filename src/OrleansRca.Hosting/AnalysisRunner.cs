using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using OrleansRca.Abstractions;
using OrleansRca.Causal;
using OrleansRca.Causal.Requests;

namespace OrleansRca.Hosting;

/// <summary>Runs analyses on a cluster (embedded or remote) and waits for their results.</summary>
public interface IAnalysisRunner : IAsyncDisposable
{
    /// <summary>
    /// Validates <paramref name="request"/> locally (an <see cref="InputException"/> propagates before any
    /// cluster work), submits it under a fresh id, polls until it is done (reporting progress 0..1) and
    /// returns the result document (the CLI's JSON output). A failed analysis throws
    /// <see cref="InputException"/> for bad input and <see cref="InvalidOperationException"/> otherwise.
    /// Cancelling stops the waiting, not the analysis.
    /// </summary>
    Task<JsonObject> RunAsync(string kind, JsonObject request, IProgress<double>? progress, CancellationToken cancellationToken);
}

/// <summary>The runner over an Orleans client; owns the host it came from (embedded silo or client), if any.</summary>
internal sealed class AnalysisRunner(IClusterClient client, IHost? host) : IAnalysisRunner
{
    /// <summary>How long a poll keeps retrying while the cluster is losing a silo (membership takes seconds to decide).</summary>
    private static readonly TimeSpan TransientBudget = TimeSpan.FromMinutes(2);

    public async Task<JsonObject> RunAsync(string kind, JsonObject request, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        Validate(kind, request);
        var grain = client.GetGrain<IAnalysisOrchestratorGrain>(GrainKeys.NewAnalysisId());
        var body = request.ToJsonString();
        // Submitting an id twice returns the first submission's status, so a retried submit is safe.
        var status = await RetryAsync(() => grain.SubmitAsync(kind, body), cancellationToken).ConfigureAwait(false);
        var delay = TimeSpan.FromMilliseconds(10);
        while (!status.IsDone)
        {
            progress?.Report(status.Progress);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(250, delay.TotalMilliseconds * 1.5));
            status = await RetryAsync(grain.GetStatusAsync, cancellationToken).ConfigureAwait(false);
        }
        if (status.Stage == AnalysisStage.Failed)
        {
            var error = status.Error ?? new AnalysisError(AnalysisError.Internal, "the analysis failed without a reason");
            throw error.Kind == AnalysisError.BadInput
                ? new InputException(error.Message)
                : new InvalidOperationException($"analysis {status.Id} failed: {error.Message}");
        }
        progress?.Report(1);
        return JsonNode.Parse(status.ResultJson ?? "{}") as JsonObject
            ?? throw new InvalidOperationException($"analysis {status.Id} returned a result that is not a JSON object");
    }

    /// <summary>What can be checked without the cluster, so bad input never costs a round trip.</summary>
    internal static void Validate(string kind, JsonObject request)
    {
        if (!AnalysisKinds.IsKnown(kind))
            throw new InputException($"unknown analysis kind '{kind}'; use one of {string.Join(", ", AnalysisKinds.All)}");
        if (!AnalysisKinds.IsSupported(kind))
            throw new InputException($"analysis kind '{kind}' is not supported by the cluster yet (supported: {string.Join(", ", AnalysisKinds.Supported)})");
        if (kind == AnalysisKinds.Mediation) MediationRequest.Parse(request).Validate();
        else if (DiscreteRequests.IsDiscrete(kind)) DiscreteRequests.ParseAndValidate(kind, request);
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && clock.Elapsed < TransientBudget)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is OrleansException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException;

    public async ValueTask DisposeAsync()
    {
        if (host is null) return;
        try
        {
            await host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            if (host is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
            else host.Dispose();
        }
    }
}
