namespace OrleansRca.Abstractions;

/// <summary>Where an analysis is (contract section 6: <c>queued|running|succeeded|failed</c>); <see cref="Unknown"/>: never submitted.</summary>
[GenerateSerializer, Alias("rca.AnalysisStage")]
public enum AnalysisStage
{
    Unknown,
    Queued,
    Running,
    Succeeded,
    Failed,
}

public static class AnalysisStageText
{
    /// <summary>The contract's spelling of a stage.</summary>
    public static string ToWire(this AnalysisStage stage) => stage switch
    {
        AnalysisStage.Queued => "queued",
        AnalysisStage.Running => "running",
        AnalysisStage.Succeeded => "succeeded",
        AnalysisStage.Failed => "failed",
        _ => "unknown",
    };
}

/// <summary>Why an analysis failed: <see cref="BadInput"/> (the user's input; HTTP 400, CLI exit 2) or <see cref="Internal"/>.</summary>
[GenerateSerializer, Immutable, Alias("rca.AnalysisError")]
public sealed record AnalysisError([property: Id(0)] string Kind, [property: Id(1)] string Message)
{
    public const string BadInput = "bad_input";
    public const string Internal = "internal";
    public const string Cancelled = "cancelled";
}

/// <summary>The status document of one analysis; <see cref="ResultJson"/> is the CLI's JSON output once it succeeded.</summary>
[GenerateSerializer, Immutable, Alias("rca.AnalysisStatus")]
public sealed record AnalysisStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] string Kind,
    [property: Id(2)] AnalysisStage Stage,
    [property: Id(3)] double Progress,
    [property: Id(4)] string? ResultJson,
    [property: Id(5)] AnalysisError? Error)
{
    public bool IsDone => Stage is AnalysisStage.Succeeded or AnalysisStage.Failed;
}

/// <summary>What a silo needs to rebuild an analysis locally: the typed request (its data by dataset id).</summary>
[GenerateSerializer, Immutable, Alias("rca.AnalysisInputs")]
public sealed record AnalysisInputs([property: Id(0)] AnalysisSpec Spec);

/// <summary>Fit one node's linear mechanism from its parents' columns (the data come from the silo's cache).</summary>
[GenerateSerializer, Immutable, Alias("rca.NodeFitWork")]
public sealed record NodeFitWork([property: Id(0)] string AnalysisId, [property: Id(1)] string Node);

/// <summary>A fitted linear mechanism: one weight per parent, in the model's parent order.</summary>
[GenerateSerializer, Immutable, Alias("rca.NodeFit")]
public sealed record NodeFit(
    [property: Id(0)] string Node,
    [property: Id(1)] double Intercept,
    [property: Id(2)] double[] Weights,
    [property: Id(3)] string Silo);

/// <summary>
/// Propagation work on the fitted model (the model with the analysis' fitted mechanisms, which each silo
/// fetches once). Positions index the analysis plan's treatments and mediators.
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.PairWork")]
public sealed record PairWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Treatment,
    [property: Id(2)] int Mediator);

/// <summary>Σ over rows of NIE(T_i, M_j).</summary>
[GenerateSerializer, Immutable, Alias("rca.PairSum")]
public sealed record PairSum(
    [property: Id(0)] int Treatment,
    [property: Id(1)] int Mediator,
    [property: Id(2)] double Sum,
    [property: Id(3)] string Silo);

/// <summary>Per-treatment propagation: the total effect and/or the natural direct effect (the ones without a closed form).</summary>
[GenerateSerializer, Immutable, Alias("rca.TreatmentWork")]
public sealed record TreatmentWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Treatment,
    [property: Id(2)] bool Total,
    [property: Id(3)] bool Direct);

/// <summary>Σ over rows of TE and NDE for one treatment (NaN for a sum that was not asked for).</summary>
[GenerateSerializer, Immutable, Alias("rca.TreatmentSums")]
public sealed record TreatmentSums(
    [property: Id(0)] int Treatment,
    [property: Id(1)] double TotalSum,
    [property: Id(2)] double DirectSum,
    [property: Id(3)] string Silo);

/// <summary>Bootstrap resamples <c>[Start, Start + Count)</c> of an analysis.</summary>
[GenerateSerializer, Immutable, Alias("rca.BootstrapWork")]
public sealed record BootstrapWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Start,
    [property: Id(2)] int Count);

/// <summary>
/// Per-resample means, row-major: resample r's values sit at <c>[r * Width, (r + 1) * Width)</c>, laid out as
/// every NIE pair's mean (treatment-major, as in the result), then every TE mean, then every NDE mean.
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.BootstrapChunk")]
public sealed record BootstrapChunk(
    [property: Id(0)] int Start,
    [property: Id(1)] int Count,
    [property: Id(2)] int Width,
    [property: Id(3)] double[] Means,
    [property: Id(4)] string Silo);

/// <summary>Kept anomalous rows [Start, Start + Count) of a mitigation.</summary>
[GenerateSerializer, Immutable, Alias("rca.MitigationWork")]
public sealed record MitigationWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Start,
    [property: Id(2)] int Count);

/// <summary>Mitigated rows, each encoded as numbers by the core's <c>MitigationPlan.Encode</c>.</summary>
[GenerateSerializer, Immutable, Alias("rca.MitigationRows")]
public sealed record MitigationRows(
    [property: Id(0)] int Start,
    [property: Id(1)] double[][] Rows,
    [property: Id(2)] string Silo);
