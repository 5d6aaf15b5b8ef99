namespace OrleansRca.Abstractions;

/// <summary>
/// One analysis (key: analysis id). Submit once, then poll <see cref="GetStatusAsync"/>: the work runs in
/// the background, so no call waits for it (a grain call times out after 30 s by default). A reminder
/// resumes the work after a silo loss without anyone polling; finished analyses expire.
/// </summary>
[Alias("rca.IAnalysisOrchestratorGrain")]
public interface IAnalysisOrchestratorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates and, if the input is good, persists and starts the analysis (status queued). Bad input
    /// gives a failed status with a <c>bad_input</c> error and stores nothing. Submitting an id again
    /// answers at once with the analysis' status.
    /// </summary>
    [AlwaysInterleave, Alias("Submit")]
    Task<AnalysisStatus> SubmitAsync(AnalysisSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Stage <see cref="AnalysisStage.Unknown"/> when the id was never submitted (or expired).</summary>
    [AlwaysInterleave, Alias("GetStatus")]
    Task<AnalysisStatus> GetStatusAsync();

    /// <summary>Stops a queued or running analysis (failed, error kind <c>cancelled</c>); a finished one is left as it is.</summary>
    [AlwaysInterleave, Alias("Cancel")]
    Task<AnalysisStatus> CancelAsync();

    /// <summary>The submitted request, for silos that prepare it locally.</summary>
    [AlwaysInterleave, Alias("GetInputs")]
    Task<AnalysisInputs> GetInputsAsync();

    /// <summary>Persisted pieces whose key starts with <paramref name="prefix"/> (e.g. fitted mechanisms).</summary>
    [AlwaysInterleave, Alias("GetPieces")]
    Task<Dictionary<string, double[]>> GetPiecesAsync(string prefix);

    /// <summary>Diagnostics: the silo this activation lives on.</summary>
    [AlwaysInterleave, Alias("GetSilo")]
    Task<string> GetSiloAsync();
}

/// <summary>One node of one analysis (key: <see cref="GrainKeys.Node"/>): fits its own mechanism.</summary>
[Alias("rca.ICausalNodeGrain")]
public interface ICausalNodeGrain : IGrainWithStringKey
{
    [Alias("Fit"), ResponseTimeout("00:10:00")]
    Task<NodeFit> FitAsync(NodeFitWork work, CancellationToken cancellationToken = default);
}

/// <summary>A batch of anomalous rows of one mitigation (key: <see cref="GrainKeys.Mitigation"/>).</summary>
[Alias("rca.IMitigationGrain")]
public interface IMitigationGrain : IGrainWithStringKey
{
    [Alias("Run"), ResponseTimeout("00:10:00")]
    Task<MitigationRows> RunAsync(MitigationWork work, CancellationToken cancellationToken = default);
}

/// <summary>One (treatment, mediator) pair of one analysis (key: <see cref="GrainKeys.Pair"/>).</summary>
[Alias("rca.IMediationPairGrain")]
public interface IMediationPairGrain : IGrainWithStringKey
{
    // Long rows x nodes propagations may exceed the default 30 s response timeout.
    [Alias("Run"), ResponseTimeout("00:10:00")]
    Task<PairSum> RunAsync(PairWork work, CancellationToken cancellationToken = default);

    [AlwaysInterleave, Alias("GetSilo")]
    Task<string> GetSiloAsync();
}

/// <summary>One treatment of one analysis (key: <see cref="GrainKeys.Treatment"/>): total and natural direct effects.</summary>
[Alias("rca.ITreatmentGrain")]
public interface ITreatmentGrain : IGrainWithStringKey
{
    [Alias("Run"), ResponseTimeout("00:10:00")]
    Task<TreatmentSums> RunAsync(TreatmentWork work, CancellationToken cancellationToken = default);
}

/// <summary>
/// A chunk of bootstrap resamples of one analysis (key: <see cref="GrainKeys.Bootstrap"/>). The chunk keeps
/// its own result in storage, so the orchestrator's state stays small and a resumed analysis re-asks
/// finished chunks for free; <see cref="ForgetAsync"/> clears it once the analysis is done.
/// </summary>
[Alias("rca.IBootstrapGrain")]
public interface IBootstrapGrain : IGrainWithStringKey
{
    [Alias("Run"), ResponseTimeout("00:10:00")]
    Task<BootstrapChunk> RunAsync(BootstrapWork work, CancellationToken cancellationToken = default);

    [Alias("Forget")]
    Task ForgetAsync();
}

/// <summary>
/// Grain keys. Analysis ids never contain '/', so "id/..." is unambiguous; pairs and treatments are keyed
/// by plan position because node names may contain any character.
/// </summary>
public static class GrainKeys
{
    public static string Node(string analysisId, string node) => $"{analysisId}/{node}";

    public static string Treatment(string analysisId, int treatment) => $"{analysisId}/t{treatment}";

    public static string Pair(string analysisId, int treatment, int mediator) => $"{analysisId}/t{treatment}/m{mediator}";

    public static string Bootstrap(string analysisId, int start) => $"{analysisId}/b{start}";

    public static string Mitigation(string analysisId, int start) => $"{analysisId}/r{start}";

    /// <summary>A fresh analysis id: 32 lower-case hex digits.</summary>
    public static string NewAnalysisId() => Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="id"/> could name an analysis (ids are chosen by the server, never '/').</summary>
    public static bool IsAnalysisId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
