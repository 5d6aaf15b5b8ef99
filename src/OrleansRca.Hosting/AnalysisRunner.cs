using OrleansRca.Grains.Requests;

namespace OrleansRca.Hosting;

/// <summary>Runs analyses on a cluster (embedded or remote) and waits for their results.</summary>
public interface IAnalysisRunner : IAsyncDisposable
{
    /// <summary>
    /// Makes <paramref name="dataset"/> (read from <paramref name="content"/> in <paramref name="format"/>)
    /// available to the cluster under its id: handed over as columns to an embedded silo; uploaded to a
    /// remote cluster unless it already has that id.
    /// </summary>
    Task<DatasetInfo> AddDatasetAsync(Dataset dataset, ReadOnlyMemory<byte> content, DataFormat format, CancellationToken cancellationToken);

    /// <summary>
    /// Parses <paramref name="request"/> (the HTTP body shape: tables inline as CSV or as <c>{"dataset": "ID"}</c>),
    /// submits it under a fresh id, polls until it is done (reporting progress 0..1) and returns the result
    /// document (the CLI's JSON output). Bad input throws <see cref="InputException"/> before any cluster work
    /// where it can be seen without the data, else when the analysis fails; other failures throw
    /// <see cref="InvalidOperationException"/>. Cancelling cancels the analysis.
    /// </summary>
    Task<JsonObject> RunAsync(string kind, JsonObject request, IProgress<double>? progress, CancellationToken cancellationToken);
}

/// <summary>The runner over an Orleans client; owns the host it came from (embedded silo or client), if any.</summary>
internal sealed class AnalysisRunner(IClusterClient client, IHost? host, IDatasetStore? localStore) : IAnalysisRunner
{
    /// <summary>How long a poll keeps retrying while the cluster is losing a silo (membership takes seconds to decide).</summary>
    private static readonly TimeSpan TransientBudget = TimeSpan.FromMinutes(2);

    /// <summary>Upload parts: about a megabyte, well inside Orleans' message size limits.</summary>
    private const int PartBytes = 1 << 20;

    private IClusterClient Client => client;

    /// <summary>A runner inside a silo's process uses the store directly; a client uploads through dataset grains.</summary>
    public static AnalysisRunner Create(IClusterClient client, IHost? host) =>
        new(client, host, host?.Services.GetService<IDatasetStore>());

    public async Task<DatasetInfo> AddDatasetAsync(Dataset dataset, ReadOnlyMemory<byte> content, DataFormat format, CancellationToken cancellationToken) =>
        localStore is not null
            ? await localStore.SaveAsync(dataset, cancellationToken).ConfigureAwait(false)
            : await UploadAsync(dataset.Id, content, format, dataset.Source, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends <paramref name="content"/> to the cluster under <paramref name="id"/> (its content id) unless the cluster has it; the silo parses it.</summary>
    private async Task<DatasetInfo> UploadAsync(string id, ReadOnlyMemory<byte> content, DataFormat format, string source, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IDatasetGrain>(id);
        if (await RetryAsync(grain.DescribeAsync, cancellationToken).ConfigureAwait(false) is { } known) return known;
        var parts = (content.Length + PartBytes - 1) / PartBytes;
        for (var i = 0; i < parts; i++)
        {
            var part = content.Slice(i * PartBytes, Math.Min(PartBytes, content.Length - i * PartBytes)).ToArray();
            var index = i;
            await RetryAsync(async () => { await grain.AppendAsync(index, part).ConfigureAwait(false); return 0; }, cancellationToken).ConfigureAwait(false);
        }
        var name = format switch { DataFormat.ArrowStream => "arrow", DataFormat.Parquet => "parquet", _ => "csv" };
        try
        {
            return await grain.CommitAsync(parts, name, source).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new InputException(e.Message);
        }
    }

    public async Task<JsonObject> RunAsync(string kind, JsonObject request, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var intake = localStore is not null ? (IDatasetIntake)new StoreIntake(localStore) : new UploadIntake(this);
        var spec = await AnalysisRequests.ParseAsync(kind, request, intake, cancellationToken).ConfigureAwait(false);
        var grain = client.GetGrain<IAnalysisOrchestratorGrain>(GrainKeys.NewAnalysisId());
        // Submitting an id twice returns the first submission's status, so a retried submit is safe.
        var status = await RetryAsync(() => grain.SubmitAsync(spec, cancellationToken), cancellationToken).ConfigureAwait(false);
        try
        {
            var delay = TimeSpan.FromMilliseconds(10);
            while (!status.IsDone)
            {
                progress?.Report(status.Progress);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(MaxPollMs, delay.TotalMilliseconds * 1.5));
                status = await RetryAsync(grain.GetStatusAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up (Ctrl+C): so does the cluster, freeing its workers.
            try { await grain.CancelAsync().WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) when (e is OrleansException or TimeoutException) { }
            throw;
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

    /// <summary>
    /// Status polls back off to this: an embedded silo answers a poll in microseconds, so its caller polls often and
    /// sees the result at once; a remote cluster is polled less often (each poll is a network round trip).
    /// </summary>
    private int MaxPollMs => localStore is not null ? 20 : 250;

    // A CLI waits out a membership change longer than an HTTP request does: it has nobody to answer 503 to.
    private static Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) =>
        TransientClusterCalls.RetryAsync(call, cancellationToken, TransientBudget);

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

    /// <summary>Inline CSV sent by a client of a remote cluster: uploaded as a dataset first.</summary>
    private sealed class UploadIntake(AnalysisRunner runner) : IDatasetIntake
    {
        public async Task<string> AddCsvAsync(string csv, string field, CancellationToken cancellationToken)
        {
            // Only the id is computed here: the silo parses the upload (and says what is wrong with it).
            var bytes = System.Text.Encoding.UTF8.GetBytes(csv);
            return (await runner.UploadAsync(Dataset.IdOf(bytes), bytes, DataFormat.Csv, field, cancellationToken).ConfigureAwait(false)).Id;
        }

        public async Task<bool> ExistsAsync(string id, CancellationToken cancellationToken) =>
            await RetryAsync(runner.Client.GetGrain<IDatasetGrain>(id).DescribeAsync, cancellationToken).ConfigureAwait(false) is not null;
    }
}
