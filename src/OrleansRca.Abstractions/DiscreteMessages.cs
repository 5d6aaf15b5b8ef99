namespace OrleansRca.Abstractions;

/// <summary>
/// Exact marginals of one discrete analysis' network: the observational ones, and those under
/// do(X_Node = a) for every a in <see cref="States"/> (empty: only the observational ones). The network
/// comes from the silo's cache.
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.InterventionWork")]
public sealed record InterventionWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Node,
    [property: Id(2)] int[] States);

/// <summary>
/// P(X) (<see cref="Base"/>, one entry per network-wide state) and, row-major, P(X | do(X_Node = States[r]))
/// for each r (<see cref="Rows"/>: <c>States.Length</c> rows of <c>Base.Length</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.InterventionRows")]
public sealed record InterventionRows(
    [property: Id(0)] int Node,
    [property: Id(1)] int[] States,
    [property: Id(2)] double[] Base,
    [property: Id(3)] double[] Rows,
    [property: Id(4)] string Silo);

/// <summary>
/// Node <see cref="Node"/>'s share of a mixture: its proportions given its ancestors' (sparse: network-wide
/// state numbers <see cref="KnownStates"/> with proportions <see cref="KnownPi"/>; absent ones are 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.NodeSolveWork")]
public sealed record NodeSolveWork(
    [property: Id(0)] string AnalysisId,
    [property: Id(1)] int Node,
    [property: Id(2)] int[] KnownStates,
    [property: Id(3)] double[] KnownPi,
    [property: Id(4)] double InclusionProbability,
    [property: Id(5)] double SlabMean);

/// <summary>pi_{Node, .} in the node's state order.</summary>
[GenerateSerializer, Immutable, Alias("rca.NodeSolution")]
public sealed record NodeSolution(
    [property: Id(0)] int Node,
    [property: Id(1)] double[] Pi,
    [property: Id(2)] string Silo);

/// <summary>Every interventional marginal of an analysis' network (<c>InterventionalMarginals</c> as plain arrays).</summary>
[GenerateSerializer, Immutable, Alias("rca.DiscreteOracle")]
public sealed record DiscreteOracle(
    [property: Id(0)] double[] Base,
    [property: Id(1)] double[] DoTable);

/// <summary>
/// One node of one discrete analysis (key: <see cref="GrainKeys.Node"/>): its interventional marginals
/// P(X | do(X_node = a)), and its per-node linear system in a mixture analysis.
/// </summary>
[Alias("rca.IDiscreteNodeGrain")]
public interface IDiscreteNodeGrain : IGrainWithStringKey
{
    [Alias("Intervene"), ResponseTimeout("00:10:00")]
    Task<InterventionRows> InterveneAsync(InterventionWork work);

    [Alias("Solve"), ResponseTimeout("00:10:00")]
    Task<NodeSolution> SolveAsync(NodeSolveWork work);

    [AlwaysInterleave, Alias("GetSilo")]
    Task<string> GetSiloAsync();
}

/// <summary>What the orchestrator of a discrete analysis (key: analysis id) serves to the silos solving its nodes.</summary>
[Alias("rca.IDiscreteAnalysisGrain")]
public interface IDiscreteAnalysisGrain : IGrainWithStringKey
{
    /// <summary>The gathered interventional marginals, once the marginals phase is done (fetched once per silo).</summary>
    [AlwaysInterleave, Alias("GetOracle")]
    Task<DiscreteOracle> GetOracleAsync();
}
