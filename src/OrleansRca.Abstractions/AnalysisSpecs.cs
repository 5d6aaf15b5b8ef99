namespace OrleansRca.Abstractions;

// What an analysis is, as grain state and grain messages carry it: small typed records. Data never
// travels inside them: tabular inputs are datasets, named by id (DataRef) and loaded once per silo.
// The JSON bodies of the HTTP API and the CLI's files are parsed into these at the edge, once.

/// <summary>A tabular input of an analysis: a dataset id, and how the analysis treats its gaps.</summary>
[GenerateSerializer, Immutable, Alias("rca.DataRef")]
public sealed record DataRef(
    [property: Id(0)] string DatasetId,
    /// <summary><c>error</c> (default), <c>mean</c>, <c>interpolate</c> or <c>drop</c> (contract section 2).</summary>
    [property: Id(1)] string Missing = "error");

/// <summary>One node of a model file (contract section 1).</summary>
[GenerateSerializer, Immutable, Alias("rca.NodeRecord")]
public sealed record NodeRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] string Type,
    [property: Id(3)] bool Controllable);

/// <summary>A mechanism: <c>linear</c> (intercept, one weight per parent in <see cref="Parents"/>) or <c>formula</c> (expression).</summary>
[GenerateSerializer, Immutable, Alias("rca.MechanismRecord")]
public sealed record MechanismRecord(
    [property: Id(0)] string Node,
    [property: Id(1)] string Kind,
    [property: Id(2)] double Intercept,
    [property: Id(3)] string[] Parents,
    [property: Id(4)] double[] Weights,
    [property: Id(5)] string? Expression);

/// <summary>A causal model file as a typed record: nodes, [parent, child] edges, the given mechanisms.</summary>
[GenerateSerializer, Immutable, Alias("rca.ModelRecord")]
public sealed record ModelRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] NodeRecord[] Nodes,
    [property: Id(2)] string[] EdgeParents,
    [property: Id(3)] string[] EdgeChildren,
    [property: Id(4)] MechanismRecord[] Mechanisms);

/// <summary>An analysis request of some kind (<see cref="AnalysisKinds"/>); one derived record per kind.</summary>
[GenerateSerializer, Immutable, Alias("rca.AnalysisSpec")]
public abstract record AnalysisSpec
{
    public abstract string Kind { get; }
}

/// <summary>The <c>mediate</c> options by their contract names (SPEC strings as given; parsed by the core).</summary>
[GenerateSerializer, Immutable, Alias("rca.MediationSettings")]
public sealed record MediationSettings(
    [property: Id(0)] string[]? Treatments,
    [property: Id(1)] string[]? Mediators,
    [property: Id(2)] string? Outcome,
    [property: Id(3)] string Treated,
    [property: Id(4)] string Untreated,
    [property: Id(5)] string Engine,
    [property: Id(6)] int Bootstrap,
    [property: Id(7)] int Seed,
    [property: Id(8)] double Confidence);

[GenerateSerializer, Immutable, Alias("rca.MediationSpec")]
public sealed record MediationSpec(
    [property: Id(0)] ModelRecord Model,
    [property: Id(1)] DataRef Data,
    [property: Id(2)] MediationSettings Settings) : AnalysisSpec
{
    public override string Kind => AnalysisKinds.Mediation;
}

/// <summary>
/// <c>marginals</c> and <c>disentanglement</c>: the network as BIF text (a model file, kilobytes, not data
/// rows), an optional <c>do</c>, and for a disentanglement the mixture marginals in the network-wide state
/// numbering with their sample count and the method.
/// </summary>
[GenerateSerializer, Immutable, Alias("rca.DiscreteSpec")]
public sealed record DiscreteSpec(
    [property: Id(0)] string DiscreteKind,
    [property: Id(1)] string NetworkBif,
    [property: Id(2)] string? Do,
    [property: Id(3)] double[]? Mixture,
    [property: Id(4)] long? MixtureSamples,
    [property: Id(5)] string? Method) : AnalysisSpec
{
    public override string Kind => DiscreteKind;
}

/// <summary>The <c>mitigate</c> options by their contract names (parsed by the core).</summary>
[GenerateSerializer, Immutable, Alias("rca.MitigationSettings")]
public sealed record MitigationSettings(
    [property: Id(0)] string Detector,
    [property: Id(1)] double Alpha,
    [property: Id(2)] double Pi,
    /// <summary><c>sd</c>, <c>unit</c> or <c>N=s,N=s</c>.</summary>
    [property: Id(3)] string Cost,
    /// <summary><c>root-causes</c> or <c>controllable</c>.</summary>
    [property: Id(4)] string ActOn);

/// <summary><c>mitigation</c>: a model, the normal rows it is fitted on and the anomalous rows to mitigate.</summary>
[GenerateSerializer, Immutable, Alias("rca.MitigationSpec")]
public sealed record MitigationSpec(
    [property: Id(0)] ModelRecord Model,
    [property: Id(1)] DataRef Normal,
    [property: Id(2)] DataRef Anomalies,
    [property: Id(3)] MitigationSettings Settings) : AnalysisSpec
{
    public override string Kind => AnalysisKinds.Mitigation;
}
