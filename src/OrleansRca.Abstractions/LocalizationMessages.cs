namespace OrleansRca.Abstractions;

/// <summary>The <c>localize</c> options by their contract names (parsed and checked by the core).</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationSettings")]
public sealed record LocalizationSettings(
    [property: Id(0)] double Pi,
    [property: Id(1)] string? Target,
    [property: Id(2)] string Method,
    [property: Id(3)] double BlameLevel,
    [property: Id(4)] int Seed,
    [property: Id(5)] int Samples,
    [property: Id(6)] int Permutations);

/// <summary>A localization: the model, the normal and the anomalous tables by dataset id, the options.</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationSpec")]
public sealed record LocalizationSpec(
    [property: Id(0)] ModelRecord Model,
    [property: Id(1)] DataRef Normal,
    [property: Id(2)] DataRef Anomalies,
    [property: Id(3)] LocalizationSettings Settings) : AnalysisSpec
{
    public override string Kind => AnalysisKinds.Localization;
}

public static class LocalizationKinds
{
    public static string Node(string analysisId, string node) => $"{analysisId}/loc/{node}";

    public static string Rows(string analysisId, int first) => $"{analysisId}/rows/{first}";
}

/// <summary>Fit one node on the normal rows and score its noise in every anomalous row.</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationNodeWork")]
public sealed record LocalizationNodeWork([property: Id(0)] string AnalysisId, [property: Id(1)] string Node);

/// <summary>A node grain's answer: its fit quality; per kept anomalous row, noise, CDF, surprise and value tail; the normal rows' standardised noise when the ranking couples noises.</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationNodeResult")]
public sealed record LocalizationNodeResult(
    [property: Id(0)] string Node,
    [property: Id(1)] string Family,
    [property: Id(2)] int Rows,
    [property: Id(3)] double HeldOutR2,
    [property: Id(4)] double HeldOutRmse,
    [property: Id(5)] double LinearRmse,
    [property: Id(6)] double Ridge,
    [property: Id(7)] string[] Notes,
    [property: Id(8)] double[] Noise,
    [property: Id(9)] double[] Cdf,
    [property: Id(10)] double[] Surprise,
    [property: Id(11)] double[] ValueTail,
    [property: Id(12)] int NormalCount,
    [property: Id(13)] string Silo,
    [property: Id(14)] float[] StandardNoise);

/// <summary>Shapley-attribute some anomalous rows (positions among the kept rows).</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationRowsWork")]
public sealed record LocalizationRowsWork([property: Id(0)] string AnalysisId, [property: Id(1)] int[] Rows);

/// <summary>Per row: outlier score, node-indexed shares and their standard errors (NaN off the target's ancestors), exactness, permutations.</summary>
[GenerateSerializer, Immutable, Alias("rca.LocalizationRowsResult")]
public sealed record LocalizationRowsResult(
    [property: Id(0)] int[] Rows,
    [property: Id(1)] double[] OutlierScores,
    [property: Id(2)] double[][] Shares,
    [property: Id(3)] double[][] Errors,
    [property: Id(4)] bool[] Exact,
    [property: Id(5)] int[] Permutations,
    [property: Id(6)] string Silo);

/// <summary>Fits and scores one node of a localization on its own silo.</summary>
public interface ILocalizationNodeGrain : IGrainWithStringKey
{
    Task<LocalizationNodeResult> ScoreAsync(LocalizationNodeWork work, CancellationToken cancellationToken = default);
}

/// <summary>Shapley attribution of a batch of anomalous rows.</summary>
public interface ILocalizationRowsGrain : IGrainWithStringKey
{
    Task<LocalizationRowsResult> AttributeAsync(LocalizationRowsWork work, CancellationToken cancellationToken = default);
}
