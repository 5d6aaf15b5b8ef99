using OrleansRca.Causal.Mitigation;

namespace OrleansRca.Grains.Workflows;

/// <summary>
/// Mitigation: the plan (fit on the normal rows, root causes, detector) is built once per silo from the spec;
/// the anomalous rows are cut into batches of <see cref="BatchRows"/>, each mitigated on a mitigation grain
/// (rows are independent), and the core assembles the document, so the cluster's result equals <c>Mitigator.Run</c>'s.
/// Pieces: <c>rows:START</c>, the batch's rows encoded by <see cref="MitigationPlan.Encode"/>, concatenated.
/// </summary>
public sealed class MitigationWorkflow(MitigationSpec spec) : IAnalysisWorkflow
{
    /// <summary>Rows per grain call: a few milliseconds of solving, many batches to spread over silos.</summary>
    public const int BatchRows = 128;

    public async Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken) =>
        await context.Cache.GetMitigationAsync(context.AnalysisId, spec, cancellationToken);

    public async Task<string> RunAsync(WorkflowContext context, CancellationToken ct)
    {
        var plan = await context.Cache.GetMitigationAsync(context.AnalysisId, spec, ct);
        context.Running();
        await context.SaveAsync();
        var rows = plan.Data.Anomalies.Rows;
        var starts = Enumerable.Range(0, (rows + BatchRows - 1) / BatchRows).Select(b => b * BatchRows).ToList();
        var pieces = context.Pieces;
        var missing = starts.Where(s => !pieces.ContainsKey($"rows:{s}")).ToList();
        await WorkflowContext.FanOutAsync(missing, async start =>
        {
            var count = Math.Min(BatchRows, rows - start);
            var batch = await context.CallAsync($"mitigate rows {start}..{start + count - 1}",
                () => context.Grains.GetGrain<IMitigationGrain>(GrainKeys.Mitigation(context.AnalysisId, start))
                    .RunAsync(new MitigationWork(context.AnalysisId, start, count), ct), ct);
            if (batch.Rows.Length != count) throw new InvalidOperationException($"rows {start}..: {batch.Rows.Length} results for {count} rows");
            pieces[$"rows:{start}"] = [.. batch.Rows.SelectMany(r => r)];
            context.Progress = (double)starts.Count(s => pieces.ContainsKey($"rows:{s}")) / starts.Count;
            await context.SaveSoonAsync();
        }, ct);
        await context.SaveAsync();
        var mitigated = starts.SelectMany(s => pieces[$"rows:{s}"].Chunk(plan.EncodedWidth)).Select(plan.Decode);
        var result = plan.Assemble(mitigated);
        context.Cache.Metrics?.Processed(AnalysisKinds.Mitigation, result.Rows.Count);
        return MitigationJson.ToJson(result).ToJsonString();
    }
}
