using System.ComponentModel;
using System.Text.Json.Serialization;

namespace OrleansRca.Contracts;

// One result record per analysis kind: the CLI's JSON output (contract section 4), the `result` of a
// succeeded analysis. Numbers JSON cannot hold (NaN, infinity) are null.

[Description("The result of a mediation: NIE per (treatment, mediator) pair and total/direct effects per treatment.")]
public sealed record MediationResultBody(
    string Outcome,
    int Rows,
    string Treated,
    string Untreated,
    IReadOnlyList<PairEffectBody> Nie,
    IReadOnlyList<TreatmentEffectBody> Effects,
    [property: Description("Bootstrap resamples behind the intervals (absent without).")] int? Bootstrap);

public sealed record PairEffectBody(
    string Treatment,
    string Mediator,
    [property: Description("NIE averaged over rows.")] double Mean,
    [property: Description("NIE summed over rows.")] double Total,
    [property: Description("How it was computed (closed form or propagation).")] string Method,
    [property: JsonPropertyName("mean_ci")] IReadOnlyList<double>? MeanCi);

public sealed record TreatmentEffectBody(
    string Treatment,
    [property: JsonPropertyName("te_mean")] double TeMean,
    [property: JsonPropertyName("te_total")] double TeTotal,
    [property: JsonPropertyName("nde_mean")] double NdeMean,
    [property: JsonPropertyName("nde_total")] double NdeTotal,
    [property: JsonPropertyName("te_mean_ci")] IReadOnlyList<double>? TeMeanCi,
    [property: JsonPropertyName("nde_mean_ci")] IReadOnlyList<double>? NdeMeanCi);

[Description("The result of a localization: per anomalous row, the root causes, noise scores and a ranking; per node, its fit.")]
public sealed record LocalizationResultBody(
    double Pi,
    string? Target,
    string Method,
    [property: JsonPropertyName("blame_level")] double BlameLevel,
    IReadOnlyList<LocalizedRowBody> Rows,
    IReadOnlyList<NodeFitBody> Fits);

public sealed record LocalizedRowBody(
    [property: Description("0-based index of the row in the anomalies.")] int Row,
    string Status,
    [property: JsonPropertyName("root_causes")] IReadOnlyList<string> RootCauses,
    [property: Description("Each node's noise CDF value.")] IReadOnlyDictionary<string, double?> Scores,
    [property: Description("Nodes to blame, most likely first.")] IReadOnlyList<RankedNodeBody> Ranking,
    IReadOnlyDictionary<string, double?> Surprise,
    IReadOnlyList<string>? Unobserved,
    [property: JsonPropertyName("target_tail")] double? TargetTail,
    AttributionBody? Attribution);

public sealed record RankedNodeBody(
    string Node,
    double? Score,
    [property: JsonPropertyName("moved_with"), Description("Nodes whose normal noise moved with this one's and whose anomaly the score counts (a link the graph lacks); absent when none.")] IReadOnlyList<string>? MovedWith);

public sealed record AttributionBody(
    [property: JsonPropertyName("outlier_score")] double? OutlierScore,
    bool Exact,
    int Permutations,
    [property: JsonPropertyName("max_standard_error")] double? MaxStandardError);

public sealed record NodeFitBody(
    string Node,
    string Family,
    int Rows,
    [property: JsonPropertyName("held_out_r2")] double? HeldOutR2,
    [property: JsonPropertyName("held_out_rmse")] double? HeldOutRmse,
    [property: JsonPropertyName("linear_rmse")] double? LinearRmse,
    IReadOnlyList<string>? Notes);

[Description("The result of a mitigation: per anomalous row, the actions that bring it back under the detector's threshold.")]
public sealed record MitigationResultBody(
    string Detector,
    double Alpha,
    [property: JsonPropertyName("act_on"), Description("root-causes or controllable: which nodes the actions could touch.")] string ActOn,
    double Threshold,
    IReadOnlyList<MitigatedRowBody> Rows);

public sealed record MitigatedRowBody(
    int Row,
    [property: Description("solved, deepest, normal, no_controllable_root_cause, unreachable, not_converged or dropped.")] string Status,
    [property: JsonPropertyName("root_causes")] IReadOnlyList<string> RootCauses,
    [property: Description("The shift theta applied to each acted-on node.")] IReadOnlyDictionary<string, double> Actions,
    [property: Description("Every node's value after the actions.")] IReadOnlyDictionary<string, double?> Counterfactual,
    [property: JsonPropertyName("score_before")] double? ScoreBefore,
    [property: JsonPropertyName("score_after")] double? ScoreAfter,
    double Threshold,
    bool Flipped,
    double Cost,
    string? Reason);

[Description("Exact marginals by node and state, and the intervention if any.")]
public sealed record MarginalsResultBody(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Marginals,
    InterventionBody? Do);

public sealed record InterventionBody(string Node, string State);

[Description("The disentangled mixture: the observational share and each single-node intervention's share.")]
public sealed record DisentanglementResultBody(
    [property: JsonPropertyName("pi_phi")] double PiPhi,
    IReadOnlyList<ProportionBody> Proportions,
    string Method);

public sealed record ProportionBody(string Node, string State, double Pi);

[Description("The discovered graph and each regime's intervention targets.")]
public sealed record DiscoveryResultBody(
    IReadOnlyList<string> Nodes,
    IReadOnlyList<int> Rows,
    [property: Description("[parent, child] pairs.")] IReadOnlyList<IReadOnlyList<string>> Edges,
    [property: Description("Intervention targets by regime name.")] IReadOnlyDictionary<string, IReadOnlyList<string>> Targets,
    [property: JsonPropertyName("edge_confidence")] IReadOnlyList<EdgeConfidenceBody> EdgeConfidence,
    [property: JsonPropertyName("target_confidence")] IReadOnlyDictionary<string, IReadOnlyList<TargetProbabilityBody>> TargetConfidence,
    double Score,
    ModelBody? Model);

public sealed record EdgeConfidenceBody(string Parent, string Child, double Confidence, double Orientation);

public sealed record TargetProbabilityBody(string Node, double Probability);
