using OrleansRca.Causal.Discovery;

namespace OrleansRca.Grains;

/// <summary>
/// Per-silo cache of a discovery's prepared problem (the per-regime sufficient statistics every node's
/// work reads) and its tables: built once per silo from the datasets, fetched through the orchestrator's
/// spec the first time a node grain of the analysis runs there. Owned by the silo's <see cref="AnalysisCache"/>.
/// </summary>
public sealed class DiscoveryCache(IGrainFactory grains, AnalysisCache compute, TimeProvider time) : IDisposable
{
    private readonly IdleExpiringMap<Entry> _entries = new(time, AnalysisCache.IdleLifetime);

    /// <summary>The prepared problem and its tables, fetched from the orchestrator the first time this silo needs them.</summary>
    public Task<(DiscoveryProblem Problem, IReadOnlyList<DataTable> Data)> GetProblemAsync(string analysisId, CancellationToken cancellationToken = default) =>
        _entries.Touch(analysisId).Problem.GetOrStart(() => LoadAsync(analysisId, null, cancellationToken));

    /// <summary>The same, built from <paramref name="spec"/> (the orchestrator's silo has it) unless this silo already has it.</summary>
    public Task<(DiscoveryProblem Problem, IReadOnlyList<DataTable> Data)> GetProblemAsync(string analysisId, DiscoverySpec spec, CancellationToken cancellationToken = default) =>
        _entries.Touch(analysisId).Problem.GetOrStart(() => LoadAsync(analysisId, spec, cancellationToken));

    public void Forget(string analysisId) => _entries.Forget(analysisId);

    public void Dispose() => _entries.Dispose();

    private async Task<(DiscoveryProblem, IReadOnlyList<DataTable>)> LoadAsync(string analysisId, DiscoverySpec? spec, CancellationToken cancellationToken)
    {
        spec ??= await grains.FetchSpecAsync<DiscoverySpec>(analysisId, "a discovery", cancellationToken).ConfigureAwait(false);
        var datasets = new List<Dataset>();
        foreach (var data in spec.Data) datasets.Add(await compute.Datasets.GetAsync(data.DatasetId, cancellationToken).ConfigureAwait(false));
        return await compute.ComputeAsync(() =>
        {
            var (tables, problem) = AnalysisRequests.ToDiscovery(spec, datasets);
            return (problem, tables);
        }, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Entry
    {
        public readonly OnceSlot<(DiscoveryProblem, IReadOnlyList<DataTable>)> Problem = new();
    }
}

/// <summary>A discovery's per-node work: the node's screen, then its first local scores and target tests.</summary>
[Orleans.Placement.RandomPlacement]
public sealed class DiscoveryNodeGrain(AnalysisCache cache) : Grain, IDiscoveryNodeGrain
{
    async Task<int[]> IDiscoveryNodeGrain.ScreenAsync(DiscoveryScreenWork work, CancellationToken cancellationToken)
    {
        var (problem, _) = await cache.Discovery.GetProblemAsync(work.AnalysisId, cancellationToken);
        return await cache.ComputeAsync(() => problem.Screen(work.Node), cancellationToken);
    }

    async Task<double[]> IDiscoveryNodeGrain.ScoreAsync(DiscoveryScoreWork work, CancellationToken cancellationToken)
    {
        var (problem, _) = await cache.Discovery.GetProblemAsync(work.AnalysisId, cancellationToken);
        return await cache.ComputeAsync(() => problem.FirstScores(work.Node, work.Candidates), cancellationToken);
    }
}
