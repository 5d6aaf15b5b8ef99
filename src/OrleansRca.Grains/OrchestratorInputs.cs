namespace OrleansRca.Grains;

/// <summary>How a silo gets the request of an analysis it has not seen yet: from the analysis' orchestrator.</summary>
internal static class OrchestratorInputs
{
    /// <summary>
    /// The analysis' spec, which must be a <typeparamref name="TSpec"/> (<paramref name="what"/> names that kind in the
    /// error). Fetched off any grain's scheduler: the task is shared by every grain of the analysis on this silo.
    /// </summary>
    public static async Task<TSpec> FetchSpecAsync<TSpec>(this IGrainFactory grains, string analysisId, string what, CancellationToken cancellationToken = default)
        where TSpec : AnalysisSpec
    {
        var inputs = await Task.Run(() => grains.GetGrain<IAnalysisOrchestratorGrain>(analysisId).GetInputsAsync(), cancellationToken).ConfigureAwait(false);
        return inputs.Spec as TSpec ?? throw new InvalidOperationException($"analysis '{analysisId}' is not {what}");
    }
}
