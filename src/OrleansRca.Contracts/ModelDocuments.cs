using System.ComponentModel;

namespace OrleansRca.Contracts;

/// <summary>A causal model file (contract section 1).</summary>
[Description("A causal model (contract section 1): nodes, [parent, child] edges and optional mechanisms.")]
public sealed record ModelBody(
    [property: Description("A name for the model.")] string? Name,
    [property: Description("The nodes; names are case-sensitive and unique.")] IReadOnlyList<NodeBody> Nodes,
    [property: Description("[parent, child] pairs of node names.")] IReadOnlyList<IReadOnlyList<string>>? Edges,
    [property: Description("Mechanisms by node name; a non-root node without one is fitted from the data.")] IReadOnlyDictionary<string, MechanismBody>? Mechanisms);

[Description("One node of a model.")]
public sealed record NodeBody(
    string Name,
    [property: Description("treatment | mediator | outcome | covariate (default covariate).")] string? Role,
    [property: Description("continuous (default) | binary.")] string? Type,
    [property: Description("Whether mitigation may act on the node (default true).")] bool? Controllable);

[Description("A mechanism: linear (intercept and weights by parent) or formula (an expression over the parents).")]
public sealed record MechanismBody(
    [property: Description("linear | formula.")] string Kind,
    double? Intercept,
    [property: Description("Weights by parent name (linear).")] IReadOnlyDictionary<string, double>? Weights,
    [property: Description("The expression (formula), e.g. 0.3 * exp(0.05 * arrival_time) + 0.1 * [Product DB].")] string? Expression);

/// <summary>Mixture marginals (contract section 3).</summary>
[Description("Marginals of a mixture of interventions: probabilities by node and state, and how many rows they came from (absent: exact).")]
public sealed record MixtureBody(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Marginals,
    long? Samples);
