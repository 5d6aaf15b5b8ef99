using OrleansRca.Abstractions;

namespace OrleansRca.Grains;

/// <summary>The submitted request, written once (kept apart from progress so progress writes stay small).</summary>
[GenerateSerializer, Alias("rca.AnalysisRequestState")]
public sealed class AnalysisRequestState
{
    [Id(0)] public string? Kind { get; set; }
    [Id(1)] public string? RequestJson { get; set; }
}

/// <summary>
/// Where an analysis is and every piece already computed, so that an orchestrator reactivated after a
/// silo loss recomputes only what is missing.
/// </summary>
[GenerateSerializer, Alias("rca.AnalysisProgressState")]
public sealed class AnalysisProgressState
{
    [Id(0)] public string? Kind { get; set; }
    [Id(1)] public AnalysisStage Stage { get; set; }
    [Id(2)] public double Progress { get; set; }
    [Id(3)] public DateTimeOffset SubmittedAt { get; set; }
    /// <summary>The model with every fitted node as a linear mechanism (model file JSON), once fitting is done.</summary>
    [Id(4)] public string? FittedModelJson { get; set; }
    /// <summary>Per-row sums by piece: <c>nie:i:j</c>, <c>te:i</c>, <c>nde:i</c> (only pieces that needed propagation).</summary>
    [Id(5)] public Dictionary<string, double> Sums { get; set; } = [];
    /// <summary>Bootstrap chunk means by first resample index (see <c>BootstrapChunk</c>).</summary>
    [Id(6)] public Dictionary<int, double[]> BootstrapChunks { get; set; } = [];
    /// <summary>The CLI's JSON document, once succeeded.</summary>
    [Id(7)] public string? ResultJson { get; set; }
    [Id(8)] public AnalysisError? Error { get; set; }
    /// <summary>The finished pieces of a discrete analysis (see <c>DiscreteProgressState</c>).</summary>
    [Id(9)] public DiscreteProgressState? Discrete { get; set; }
}
