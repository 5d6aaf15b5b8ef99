using System.Collections.Concurrent;
using OrleansRca.Causal.Discrete;

namespace OrleansRca.Grains;

/// <summary>
/// Per-silo cache of what the grains of one discrete analysis (<c>marginals</c>, <c>disentanglement</c>) share:
/// the parsed request (network, mixture), compiled exact-inference engines (junction tree and its observational
/// calibration) and, in the solve phase, the gathered interventional marginals. The request and the
/// marginals move to a silo once (fetched from the orchestrator by the first grain that needs them).
/// One per silo: owned by the silo's <see cref="AnalysisCache"/>, whose compute slots it uses.
/// </summary>
public sealed class DiscreteCache(IGrainFactory grains, AnalysisCache compute, TimeProvider time) : IDisposable
{
    private readonly IdleExpiringMap<Entry> _entries = new(time, AnalysisCache.IdleLifetime);

    /// <summary>This silo's address.</summary>
    public string Silo => compute.Silo;

    /// <summary>Analyses with an entry on this silo (diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>The parsed request (a <see cref="MarginalsRequest"/> or a <see cref="DisentanglementRequest"/>), fetched from the orchestrator the first time this silo needs it.</summary>
    public Task<DiscreteRequest> GetRequestAsync(string analysisId) =>
        Touch(analysisId).Request.GetOrStart(() => LoadRequestAsync(analysisId));

    /// <summary>The parsed request, built from <paramref name="spec"/> (in a compute slot) unless this silo already has it.</summary>
    public Task<DiscreteRequest> GetRequestAsync(string analysisId, DiscreteSpec spec) =>
        Touch(analysisId).Request.GetOrStart(() => compute.ComputeAsync(() => AnalysisRequests.ToDiscrete(spec)));

    /// <summary>The network of the analysis.</summary>
    public async Task<BayesianNetwork> GetNetworkAsync(string analysisId) => (await GetRequestAsync(analysisId).ConfigureAwait(false)).Network;

    /// <summary>
    /// Runs <paramref name="work"/> on an exact-inference engine of the analysis' network, in a compute slot.
    /// Engines are not thread-safe, so each runs one piece at a time; they are compiled once and then reused
    /// by every piece of the analysis on this silo.
    /// </summary>
    public async Task<T> WithInferenceAsync<T>(string analysisId, Func<ExactInference, T> work)
    {
        var network = await GetNetworkAsync(analysisId).ConfigureAwait(false);
        var engines = Touch(analysisId).Engines;
        return await compute.ComputeAsync(() =>
        {
            if (!engines.TryTake(out var engine)) engine = new ExactInference(network);
            var result = work(engine);
            engines.Add(engine);
            return result;
        }).ConfigureAwait(false);
    }

    /// <summary>The gathered interventional marginals of a disentanglement, fetched from its orchestrator once per silo.</summary>
    public Task<InterventionalMarginals> GetOracleAsync(string analysisId) =>
        Touch(analysisId).Oracle.GetOrStart(() => Task.Run(async () =>
        {
            var network = await GetNetworkAsync(analysisId).ConfigureAwait(false);
            var oracle = await grains.GetGrain<IDiscreteAnalysisGrain>(analysisId).GetOracleAsync().ConfigureAwait(false);
            return InterventionalMarginals.Create(network, oracle.Base, oracle.DoTable);
        }));

    /// <summary>Runs core work in one of the silo's compute slots (<see cref="InputException"/> becomes <see cref="BadInputException"/>).</summary>
    public Task<T> ComputeAsync<T>(Func<T> work) => compute.ComputeAsync(work);

    /// <summary>Drops everything held for an analysis (it finished).</summary>
    public void Forget(string analysisId) => _entries.Forget(analysisId);

    public void Dispose() => _entries.Dispose();

    private async Task<DiscreteRequest> LoadRequestAsync(string analysisId)
    {
        var spec = await grains.FetchSpecAsync<DiscreteSpec>(analysisId, "a discrete analysis").ConfigureAwait(false);
        return await compute.ComputeAsync(() => AnalysisRequests.ToDiscrete(spec)).ConfigureAwait(false);
    }

    private Entry Touch(string analysisId) => _entries.Touch(analysisId);

    private sealed class Entry
    {
        public readonly OnceSlot<DiscreteRequest> Request = new();
        public readonly OnceSlot<InterventionalMarginals> Oracle = new();
        public readonly ConcurrentBag<ExactInference> Engines = [];
    }
}
