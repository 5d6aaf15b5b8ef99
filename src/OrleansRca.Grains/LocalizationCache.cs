using OrleansRca.Causal.RootCause;

namespace OrleansRca.Grains;

/// <summary>
/// Per-silo cache of a localization's inputs (model, normal and anomalous tables with gaps resolved, options),
/// fetched from the orchestrator once per silo, and of the whole fitted model for the Shapley row grains
/// (fitting is deterministic, so every silo's copy is the same). Uses the silo's <see cref="AnalysisCache"/>
/// for datasets and compute slots.
/// </summary>
public sealed class LocalizationCache(IGrainFactory grains, AnalysisCache cache) : IDisposable
{
    private readonly IdleExpiringMap<Entry> _entries = new(TimeProvider.System, AnalysisCache.IdleLifetime);

    public AnalysisCache Compute => cache;

    public Task<(LocalizationData Data, LocalizeOptions Options)> GetInputsAsync(string analysisId, LocalizationSpec? spec = null, CancellationToken cancellationToken = default) =>
        _entries.Touch(analysisId).Inputs.GetOrStart(() => Task.Run(async () =>
        {
            spec ??= await grains.FetchSpecAsync<LocalizationSpec>(analysisId, "a localization").ConfigureAwait(false);
            var normal = await cache.Datasets.GetAsync(spec.Normal.DatasetId, cancellationToken).ConfigureAwait(false);
            var anomalies = await cache.Datasets.GetAsync(spec.Anomalies.DatasetId, cancellationToken).ConfigureAwait(false);
            return await cache.ComputeAsync(() => AnalysisRequests.ToLocalization(spec, normal, anomalies), cancellationToken).ConfigureAwait(false);
        }, cancellationToken));

    public Task<RootCauseModel> GetFittedAsync(string analysisId, CancellationToken cancellationToken = default) =>
        _entries.Touch(analysisId).Fitted.GetOrStart(() => Task.Run(async () =>
        {
            var (data, _) = await GetInputsAsync(analysisId, null, cancellationToken).ConfigureAwait(false);
            return await cache.ComputeAsync(() => RootCauseModel.Fit(data.Model, data.Normal, maxParallelism: 1), cancellationToken).ConfigureAwait(false);
        }, cancellationToken));

    public void Forget(string analysisId) => _entries.Forget(analysisId);

    public void Dispose() => _entries.Dispose();

    private sealed class Entry
    {
        public readonly OnceSlot<(LocalizationData, LocalizeOptions)> Inputs = new();
        public readonly OnceSlot<RootCauseModel> Fitted = new();
    }
}
