using Orleans.Placement;
using OrleansRca.Abstractions;
using OrleansRca.Causal.Fitting;
using OrleansRca.Causal.Mediation;

namespace OrleansRca.Grains;

// The worker grains are thin: each reads the analysis from its silo's AnalysisCache and makes one call
// into OrleansRca.Causal. Random placement spreads a burst of pieces over the silos (statistics-based
// placement would see the same load figures for the whole burst and could stack it on one silo).

/// <summary>Fits one node's mechanism by least squares on its parents' observed columns.</summary>
[RandomPlacement]
public sealed class CausalNodeGrain(AnalysisCache cache) : Grain, ICausalNodeGrain
{
    private NodeFit? _fit;

    async Task<NodeFit> ICausalNodeGrain.FitAsync(NodeFitWork work)
    {
        if (_fit is not null) return _fit;
        var request = await cache.GetRequestAsync(work.AnalysisId);
        var model = request.Model;
        var fit = await cache.ComputeAsync(() => LeastSquares.FitNode(model, request.Data, model.Graph.IndexOf(work.Node)));
        return _fit = new NodeFit(work.Node, fit.Intercept, [.. fit.Weights], cache.Silo);
    }
}

/// <summary>Σ_rows NIE(T_i, M_j) by propagation over the pair's partitioned subgraph.</summary>
[RandomPlacement]
public sealed class MediationPairGrain(AnalysisCache cache) : Grain, IMediationPairGrain
{
    async Task<PairSum> IMediationPairGrain.RunAsync(PairWork work)
    {
        var problem = await cache.GetProblemAsync(work.AnalysisId, work.FittedModelJson);
        var run = await cache.GetTreatmentRunAsync(work.AnalysisId, work.FittedModelJson, work.Treatment);
        var sum = await cache.ComputeAsync(() => MediationEngine.RunPair(problem, work.Mediator, run.MediatorValues[work.Mediator]));
        return new PairSum(work.Treatment, work.Mediator, sum, cache.Silo);
    }

    Task<string> IMediationPairGrain.GetSiloAsync() => Task.FromResult(cache.Silo);
}

/// <summary>Σ_rows TE and NDE of one treatment, for the ones without a closed form.</summary>
[RandomPlacement]
public sealed class TreatmentGrain(AnalysisCache cache) : Grain, ITreatmentGrain
{
    async Task<TreatmentSums> ITreatmentGrain.RunAsync(TreatmentWork work)
    {
        var problem = await cache.GetProblemAsync(work.AnalysisId, work.FittedModelJson);
        var total = work.Total
            ? (await cache.GetTreatmentRunAsync(work.AnalysisId, work.FittedModelJson, work.Treatment)).TotalEffectSum
            : double.NaN;
        var direct = work.Direct ? await cache.ComputeAsync(() => MediationEngine.RunDirect(problem, work.Treatment)) : double.NaN;
        return new TreatmentSums(work.Treatment, total, direct, cache.Silo);
    }
}

/// <summary>A chunk of bootstrap resamples, each a whole point analysis on resampled rows.</summary>
[RandomPlacement]
public sealed class BootstrapGrain(AnalysisCache cache) : Grain, IBootstrapGrain
{
    async Task<BootstrapChunk> IBootstrapGrain.RunAsync(BootstrapWork work)
    {
        var request = await cache.GetRequestAsync(work.AnalysisId);
        var means = await cache.ComputeAsync(() => Bootstrap.Resamples(request.Model, request.Data, request.Options, work.Start, work.Count, out _));
        return new BootstrapChunk(work.Start, work.Count, means.Length / Math.Max(1, work.Count), means, cache.Silo);
    }
}
