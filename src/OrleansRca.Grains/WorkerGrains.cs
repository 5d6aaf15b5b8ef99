using Orleans.Placement;
using OrleansRca.Causal.Fitting;
using OrleansRca.Causal.Mediation;
using OrleansRca.Grains.Workflows;

namespace OrleansRca.Grains;

// The worker grains are thin: each reads the analysis from its silo's AnalysisCache and makes one call
// into OrleansRca.Causal. Random placement spreads a burst of pieces over the silos (statistics-based
// placement would see the same load figures for the whole burst and could stack it on one silo).
// A mediation's workers are keyed by its id and never called again once it is done: they leave memory after two
// idle minutes, as the orchestrators do, not Orleans' default fifteen.

/// <summary>Fits one node's mechanism by least squares on its parents' observed columns.</summary>
[RandomPlacement]
[CollectionAgeLimit(Minutes = 2)]
public sealed class CausalNodeGrain(AnalysisCache cache) : Grain, ICausalNodeGrain
{
    private NodeFit? _fit;

    async Task<NodeFit> ICausalNodeGrain.FitAsync(NodeFitWork work, CancellationToken cancellationToken)
    {
        if (_fit is not null) return _fit;
        var request = await cache.GetRequestAsync(work.AnalysisId, cancellationToken);
        var model = request.Model;
        var fit = await cache.ComputeAsync(() => LeastSquares.FitNode(model, request.Data, model.Graph.IndexOf(work.Node)), cancellationToken);
        return _fit = new NodeFit(work.Node, fit.Intercept, [.. fit.Weights], cache.Silo);
    }
}

/// <summary>Σ_rows NIE(T_i, M_j) by propagation over the pair's partitioned subgraph.</summary>
[RandomPlacement]
[CollectionAgeLimit(Minutes = 2)]
public sealed class MediationPairGrain(AnalysisCache cache) : Grain, IMediationPairGrain
{
    async Task<PairSum> IMediationPairGrain.RunAsync(PairWork work, CancellationToken cancellationToken)
    {
        var problem = await cache.GetProblemAsync(work.AnalysisId);
        var run = await cache.GetTreatmentRunAsync(work.AnalysisId, work.Treatment);
        var sum = await cache.ComputeAsync(() => MediationEngine.RunPair(problem, work.Mediator, run.MediatorValues[work.Mediator]), cancellationToken);
        await cache.ReleaseTreatmentRunAsync(work.AnalysisId, work.Treatment);
        return new PairSum(work.Treatment, work.Mediator, sum, cache.Silo);
    }

    Task<string> IMediationPairGrain.GetSiloAsync() => Task.FromResult(cache.Silo);
}

/// <summary>Σ_rows TE and NDE of one treatment, for the ones without a closed form.</summary>
[RandomPlacement]
[CollectionAgeLimit(Minutes = 2)]
public sealed class TreatmentGrain(AnalysisCache cache) : Grain, ITreatmentGrain
{
    async Task<TreatmentSums> ITreatmentGrain.RunAsync(TreatmentWork work, CancellationToken cancellationToken)
    {
        var problem = await cache.GetProblemAsync(work.AnalysisId);
        var total = double.NaN;
        if (work.Total)
        {
            total = (await cache.GetTreatmentRunAsync(work.AnalysisId, work.Treatment)).TotalEffectSum;
            await cache.ReleaseTreatmentRunAsync(work.AnalysisId, work.Treatment);
        }
        var direct = work.Direct ? await cache.ComputeAsync(() => MediationEngine.RunDirect(problem, work.Treatment), cancellationToken) : double.NaN;
        return new TreatmentSums(work.Treatment, total, direct, cache.Silo);
    }
}

/// <summary>A chunk of bootstrap resamples, each a whole point analysis on resampled rows; it keeps its result until told to forget it.</summary>
[RandomPlacement]
public sealed class BootstrapGrain(
    [PersistentState("chunk", RcaStorage.Name)] IPersistentState<BootstrapChunkState> chunk,
    AnalysisCache cache) : Grain, IBootstrapGrain
{
    async Task<BootstrapChunk> IBootstrapGrain.RunAsync(BootstrapWork work, CancellationToken cancellationToken)
    {
        if (chunk.State.Means is { } done && chunk.State.Count == work.Count)
            return new BootstrapChunk(work.Start, work.Count, done.Length / Math.Max(1, work.Count), done, cache.Silo);
        var request = await cache.GetRequestAsync(work.AnalysisId, cancellationToken);
        var means = await cache.ComputeAsync(() => MediationEngine.BootstrapMeans(request.Model, request.Data, request.Options, work.Start, work.Count), cancellationToken);
        chunk.State = new BootstrapChunkState { Count = work.Count, Means = means };
        await chunk.WriteStateAsync(cancellationToken);
        return new BootstrapChunk(work.Start, work.Count, means.Length / Math.Max(1, work.Count), means, cache.Silo);
    }

    async Task IBootstrapGrain.ForgetAsync()
    {
        if (chunk.RecordExists) await chunk.ClearStateAsync();
        DeactivateOnIdle();
    }
}

/// <summary>One bootstrap chunk's per-resample means (see <see cref="BootstrapChunk"/>).</summary>
[GenerateSerializer, Alias("rca.BootstrapChunkState")]
public sealed class BootstrapChunkState
{
    [Id(0)] public int Count { get; set; }
    [Id(1)] public double[]? Means { get; set; }
}

/// <summary>A batch of a mitigation's anomalous rows, solved with the silo's shared plan.</summary>
[RandomPlacement]
public sealed class MitigationGrain(AnalysisCache cache) : Grain, IMitigationGrain
{
    async Task<MitigationRows> IMitigationGrain.RunAsync(MitigationWork work, CancellationToken cancellationToken)
    {
        var plan = await cache.GetMitigationAsync(work.AnalysisId, null, cancellationToken);
        var rows = await cache.ComputeAsync(() => plan.Mitigate(work.Start, work.Count).Rows.Select(plan.Encode).ToArray(), cancellationToken);
        return new MitigationRows(work.Start, rows, cache.Silo);
    }
}
