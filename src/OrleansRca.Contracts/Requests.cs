using System.ComponentModel;
using System.Text.Json.Serialization;

namespace OrleansRca.Contracts;

// One request record per analysis kind: the CLI verb's inputs, files inlined, options by their long names
// (contract section 6). The host's parser reads the same fields; these records give the OpenAPI schemas and
// the set of known fields (anything else is a 400 naming it).

[Description("A mediation analysis (the mediate verb).")]
public sealed record MediationRequestBody(
    ModelBody Model,
    TableInput Data,
    [property: Description("Treatment node(s); default: the nodes with role treatment.")] StringOrList? Treatment,
    [property: Description("Mediator node(s); default: the nodes with role mediator.")] StringOrList? Mediator,
    [property: Description("The outcome node; default: the node with role outcome.")] string? Outcome,
    [property: Description("+50% (default), -20%, +2.5, =1 or observed.")] string? Treated,
    [property: Description("observed (default), or a value like treated.")] string? Untreated,
    [property: Description("auto (default), general or linear (only for a model whose mechanisms on the relevant paths are linear).")] string? Engine,
    [property: Description("Bootstrap resamples for confidence intervals, 0 (default) to 100000.")] int? Bootstrap,
    int? Seed,
    [property: Description("Interval confidence level, in (0, 1); default 0.95.")] double? Confidence,
    [property: Description("error (default) | mean | interpolate | drop: how empty cells are treated.")] string? Missing);

[Description("A root-cause localization (the localize verb).")]
public sealed record LocalizationRequestBody(
    ModelBody Model,
    [property: Description("Rows of normal operation the mechanisms and noise are fitted on.")] TableInput Normal,
    [property: Description("The anomalous rows to explain.")] TableInput Anomalies,
    [property: Description("Tail probability below which a node's noise counts as intervened on; in (0, 0.5), default 0.125.")] double? Pi,
    [property: Description("The alerting node: rank the upstream causes of its anomaly.")] string? Target,
    [property: Description("noise (default) | shapley.")] string? Method,
    [property: JsonPropertyName("blame-level")] double? BlameLevel,
    int? Seed,
    int? Samples,
    int? Permutations,
    string? Missing);

[Description("A mitigation (the mitigate verb).")]
public sealed record MitigationRequestBody(
    ModelBody Model,
    TableInput Normal,
    TableInput Anomalies,
    [property: Description("mahalanobis (default) | pca | mixture.")] string? Detector,
    double? Alpha,
    double? Pi,
    [property: JsonPropertyName("act-on"), Description("root-causes (default: the row's flagged, controllable nodes) | controllable (every controllable node).")] string? ActOn,
    CostInput? Cost,
    string? Missing);

[Description("Exact marginals of a discrete Bayesian network (the marginals verb).")]
public sealed record MarginalsRequestBody(
    [property: Description("The network as BIF text.")] string Network,
    [property: Description("An intervention NODE=STATE.")] string? Do);

[Description("Disentangle a mixture of interventions (the disentangle verb).")]
public sealed record DisentanglementRequestBody(
    [property: Description("The network as BIF text.")] string Network,
    MixtureBody Mixture,
    [property: Description("auto (default) | exact | robust.")] string? Method);

[Description("Causal discovery from observational data and regimes with unknown interventions (the discover verb).")]
public sealed record DiscoveryRequestBody(
    [property: Description("The tables: the observational data first, then one per regime.")] IReadOnlyList<TableInput> Data,
    [property: Description("What to call each table in targets; default data[i].")] StringOrList? Names,
    string? Missing,
    [property: Description("Edges that must be present, \"A->B\".")] StringOrList? Require,
    [property: Description("Edges that must be absent, \"A->B\".")] StringOrList? Forbid,
    [property: Description("Tiers, earliest first: each an array of node names or a comma-separated list.")] IReadOnlyList<StringOrList>? Tiers,
    double? Penalty,
    [property: JsonPropertyName("expected_targets")] double? ExpectedTargets,
    int? Restarts,
    int? Seed,
    [property: Description("true: add the discovered model file to the result.")] bool? Model);
