using Orleans.Placement;
using OrleansRca.Causal.RootCause;

namespace OrleansRca.Grains;

/// <summary>Fits its node on the normal rows (only its own and its parents' columns) and scores the node's noise in every anomalous row.</summary>
[RandomPlacement]
public sealed class LocalizationNodeGrain(AnalysisCache silo) : Grain, ILocalizationNodeGrain
{
    async Task<LocalizationNodeResult> ILocalizationNodeGrain.ScoreAsync(LocalizationNodeWork work, CancellationToken cancellationToken)
    {
        var cache = silo.Localization;
        var (data, options) = await cache.GetInputsAsync(work.AnalysisId, null, cancellationToken);
        var v = data.Model.Graph.IndexOf(work.Node);
        return await cache.Compute.ComputeAsync(() =>
        {
            var fit = NodeFitter.Fit(data.Model, v, data.Normal);
            var column = data.Normal[work.Node];
            var marginal = NoiseDistribution.FromSample(column, column.Average(Math.Abs));
            var s = Localizer.ScoreNode(data.Model, fit, marginal, data, v == options.TargetIndex(data.Model), options.RanksByCoupling);
            var q = fit.Quality;
            return new LocalizationNodeResult(work.Node, q.Family, q.Rows, q.HeldOutR2, q.HeldOutRmse, q.LinearRmse, q.Ridge, [.. q.Notes],
                s.Noise, s.Cdf, s.Surprise, s.ValueTail, s.NormalCount, cache.Compute.Silo, s.StandardNoise);
        }, cancellationToken);
    }
}

/// <summary>Shapley attribution of a batch of anomalous rows on the silo's copy of the fitted model.</summary>
[RandomPlacement]
public sealed class LocalizationRowsGrain(AnalysisCache silo) : Grain, ILocalizationRowsGrain
{
    async Task<LocalizationRowsResult> ILocalizationRowsGrain.AttributeAsync(LocalizationRowsWork work, CancellationToken cancellationToken)
    {
        var cache = silo.Localization;
        var (data, options) = await cache.GetInputsAsync(work.AnalysisId, null, cancellationToken);
        var fitted = await cache.GetFittedAsync(work.AnalysisId, cancellationToken);
        return await cache.Compute.ComputeAsync(() =>
        {
            var target = options.TargetIndex(fitted.Model);
            var scores = Enumerable.Range(0, fitted.Model.Count).Select(v => Localizer.ScoreNode(fitted.Model, fitted.Fits[v], fitted.Marginals[v], data, v == target)).ToArray();
            var n = fitted.Model.Count;
            var results = work.Rows.Select(r => Localizer.Attribute(fitted, data, scores, r, options)).ToArray();
            return new LocalizationRowsResult(work.Rows, results.Select(a => a.OutlierScore).ToArray(),
                results.Select(a => Enumerable.Range(0, n).Select(v => a.Attributions.TryGetValue(v, out var x) ? x : double.NaN).ToArray()).ToArray(),
                results.Select(a => Enumerable.Range(0, n).Select(v => a.StandardErrors.TryGetValue(v, out var x) ? x : double.NaN).ToArray()).ToArray(),
                results.Select(a => a.Exact).ToArray(), results.Select(a => a.Permutations).ToArray(), cache.Compute.Silo);
        }, cancellationToken);
    }
}
