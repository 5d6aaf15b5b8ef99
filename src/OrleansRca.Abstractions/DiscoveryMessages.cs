namespace OrleansRca.Abstractions;

/// <summary>The <c>discover</c> options by their contract names; null means the core's default.</summary>
[GenerateSerializer, Immutable, Alias("rca.DiscoverySettings")]
public sealed record DiscoverySettings(
    [property: Id(0)] string[] Require,
    [property: Id(1)] string[] Forbid,
    /// <summary>Earliest first; each tier's node names.</summary>
    [property: Id(2)] string[][] Tiers,
    [property: Id(3)] double? Penalty,
    [property: Id(4)] double? ExpectedTargets,
    [property: Id(5)] int? Restarts,
    [property: Id(6)] int? Seed,
    /// <summary>Whether the result carries the discovered model file.</summary>
    [property: Id(7)] bool Model);

/// <summary>
/// A discovery: the observational dataset first, then one per regime with unknown interventions, each
/// with the name the result's <c>targets</c> uses for it.
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.DiscoverySpec")]
public sealed record DiscoverySpec(
    [property: Id(0)] DataRef[] Data,
    [property: Id(1)] string[] Names,
    [property: Id(2)] DiscoverySettings Settings) : AnalysisSpec
{
    public override string Kind => AnalysisKinds.Discovery;
}

/// <summary>Screen one node: its estimated Markov blanket (node indices).</summary>
[GenerateSerializer, Immutable, Alias("rca.DiscoveryScreenWork")]
public sealed record DiscoveryScreenWork([property: Id(0)] string AnalysisId, [property: Id(1)] int Node);

/// <summary>Score one node's first parent sets (empty, and each candidate alone), with its target tests.</summary>
[GenerateSerializer, Immutable, Alias("rca.DiscoveryScoreWork")]
public sealed record DiscoveryScoreWork([property: Id(0)] string AnalysisId, [property: Id(1)] int Node, [property: Id(2)] int[] Candidates);

/// <summary>One node of one discovery (key: <see cref="GrainKeys.Node"/>): its screen and its first local scores.</summary>
[Alias("rca.IDiscoveryNodeGrain")]
public interface IDiscoveryNodeGrain : IGrainWithStringKey
{
    [Alias("Screen"), ResponseTimeout("00:10:00")]
    Task<int[]> ScreenAsync(DiscoveryScreenWork work, CancellationToken cancellationToken = default);

    /// <summary>Packed local results (the core's <c>DiscoveryProblem.FirstScores</c>).</summary>
    [Alias("Score"), ResponseTimeout("00:10:00")]
    Task<double[]> ScoreAsync(DiscoveryScoreWork work, CancellationToken cancellationToken = default);
}
