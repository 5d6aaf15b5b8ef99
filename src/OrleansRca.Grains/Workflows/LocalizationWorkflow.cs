using OrleansRca.Causal.RootCause;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// Localization: every node grain fits its node on the normal rows and scores its noise in all anomalous
/// rows (nodes are independent: abduction reads observed parents); with <c>--method shapley</c>, row grains
/// attribute the alerting rows in parallel batches; the rows are then assembled by the core, so the
/// cluster's document equals the core's.
/// </summary>
public sealed class LocalizationWorkflow(LocalizationSpec spec) : IAnalysisWorkflow
{
    /// <summary>Rows per row grain: a few, so that many rows spread over the silos.</summary>
    public const int RowsPerGrain = 4;

    public async Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken) =>
        await Cache(context).GetInputsAsync(context.AnalysisId, spec, cancellationToken);

    public async Task<string> RunAsync(WorkflowContext context, CancellationToken ct)
    {
        var (data, options) = await Cache(context).GetInputsAsync(context.AnalysisId, spec, ct);
        context.Running();
        var g = data.Model.Graph;
        var results = new LocalizationNodeResult[g.Count];
        var done = 0;
        var shapley = options.Method == RankingMethod.Shapley;
        await WorkflowContext.FanOutAsync(Enumerable.Range(0, g.Count).ToList(), async v =>
        {
            results[v] = await context.CallAsync($"localize node '{g.Names[v]}'",
                () => context.Grains.GetGrain<ILocalizationNodeGrain>(LocalizationKinds.Node(context.AnalysisId, g.Names[v]))
                    .ScoreAsync(new LocalizationNodeWork(context.AnalysisId, g.Names[v]), ct), ct);
            context.Progress = (shapley ? 0.2 : 0.9) * ++done / g.Count;
        }, ct);
        var scores = results.Select((r, v) => new NodeScoring(v, r.Noise, r.Cdf, r.Surprise, r.ValueTail, r.NormalCount, r.StandardNoise)).ToArray();
        var fits = results.Select(r => new NodeFitQuality(r.Node, r.Family, r.Rows, r.HeldOutR2, r.HeldOutRmse, r.LinearRmse, r.Ridge, r.Notes)).ToList();

        var attributions = new Dictionary<int, Attribution>();
        var rows = Localizer.RowsToAttribute(data.Model, data, scores, options);
        var batches = rows.Chunk(RowsPerGrain).ToList();
        var finished = 0;
        await WorkflowContext.FanOutAsync(batches, async batch =>
        {
            var r = await context.CallAsync($"attribute rows {batch[0]}..{batch[^1]}",
                () => context.Grains.GetGrain<ILocalizationRowsGrain>(LocalizationKinds.Rows(context.AnalysisId, batch[0]))
                    .AttributeAsync(new LocalizationRowsWork(context.AnalysisId, batch), ct), ct);
            for (var i = 0; i < r.Rows.Length; i++)
            {
                var shares = new Dictionary<int, double>();
                var errors = new Dictionary<int, double>();
                for (var v = 0; v < g.Count; v++)
                    if (!double.IsNaN(r.Shares[i][v])) { shares[v] = r.Shares[i][v]; errors[v] = r.Errors[i][v]; }
                attributions[r.Rows[i]] = new Attribution(r.OutlierScores[i], shares, errors, r.Exact[i], r.Permutations[i]);
            }
            context.Progress = 0.2 + 0.7 * ++finished / batches.Count;
        }, ct);
        var result = Localizer.Assemble(data.Model, data, scores, fits, options, attributions);
        context.Cache.Metrics?.Processed(AnalysisKinds.Localization, result.Rows.Count);
        context.Progress = 1;
        Cache(context).Forget(context.AnalysisId);
        return LocalizationJson.ToJson(result).ToJsonString();
    }

    private static LocalizationCache Cache(WorkflowContext context) => context.Cache.Localization;
}
