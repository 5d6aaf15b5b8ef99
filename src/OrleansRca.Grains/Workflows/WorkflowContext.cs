using Orleans.Runtime;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// What a workflow may use: the analysis id, grain factory and the silo's caches, the persisted pieces,
/// progress, saving, and calls to worker grains with retries while a silo is being lost. Runs on the
/// orchestrator grain's scheduler (pieces touch its state), so no <c>ConfigureAwait(false)</c> here.
/// </summary>
public sealed class WorkflowContext(
    string analysisId,
    IGrainFactory grains,
    AnalysisCache cache,
    AnalysisState state,
    Func<bool, Task> save,
    Action<string, int, Exception, TimeSpan> logRetry)
{
    /// <summary>Pieces in flight at once: enough to keep every silo busy, few enough that none waits out its response timeout.</summary>
    public const int MaxInFlight = 32;

    private const int MaxAttempts = 12;

    public string AnalysisId => analysisId;

    public IGrainFactory Grains => grains;

    public AnalysisCache Cache => cache;

    /// <summary>Finished pieces by key; write one when it is done, then <see cref="SaveSoonAsync"/>.</summary>
    public Dictionary<string, double[]> Pieces => state.Pieces;

    /// <summary>Marks the analysis running (after validation and preparation).</summary>
    public void Running() => state.Stage = AnalysisStage.Running;

    /// <summary>Progress 0..1 shown to pollers.</summary>
    public double Progress
    {
        get => state.Progress;
        set => state.Progress = Math.Clamp(value, 0, 1);
    }

    /// <summary>Persists now (end of a phase).</summary>
    public Task SaveAsync() => save(true);

    /// <summary>Persists unless it was saved a moment ago (a crash loses at most that moment's pieces).</summary>
    public Task SaveSoonAsync() => save(false);

    /// <summary>Runs <paramref name="body"/> for every item, at most <see cref="MaxInFlight"/> at once, on the orchestrator's scheduler.</summary>
    public static async Task FanOutAsync<T>(IReadOnlyList<T> items, Func<T, Task> body, CancellationToken ct)
    {
        // Not Parallel.ForEachAsync: its bodies would leave the grain's scheduler, and they touch grain state.
        using var gate = new SemaphoreSlim(MaxInFlight);
        var tasks = items.Select(async item =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await body(item);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks).WaitAsync(ct);
    }

    /// <summary>
    /// Calls a piece's grain, retrying while its silo is being lost (calls to a dead silo fail fast until
    /// membership declares it dead; the retry then activates the grain on a survivor). Bad input and bugs
    /// are not retried.
    /// </summary>
    public async Task<T> CallAsync<T>(string piece, Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e) && attempt < MaxAttempts && !ct.IsCancellationRequested)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(attempt, 6))));
                logRetry(piece, attempt, e, delay);
                await Task.Delay(delay, ct);
            }
        }
    }

    /// <summary>
    /// Failures of the cluster, not of the piece. A cancellation we did not ask for (callers check their own
    /// token) is one too: the grain directory cancels lookups while it hands ranges over after a silo died.
    /// </summary>
    public static bool IsTransient(Exception e) =>
        e is OrleansException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException or OperationCanceledException;
}
