using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace OrleansRca.Contracts;

/// <summary>The answer to a submission: <c>{"id", "status"}</c>.</summary>
[Description("A submitted analysis: poll its Location (GET /v1/analyses/{id}).")]
public sealed record SubmittedAnalysis(string Id, [property: Description("queued | running | succeeded | failed.")] string Status);

/// <summary>The status document of <c>GET /v1/analyses/{id}</c> (contract section 6).</summary>
[Description("The status of an analysis, with its result once it succeeded or its error once it failed.")]
public sealed record AnalysisDocument(
    string Id,
    [property: Description("The analysis kind.")] string Kind,
    [property: Description("queued | running | succeeded | failed.")] string Status,
    [property: Description("0..1.")] double Progress,
    [property: Description("The CLI's JSON output of the kind (when succeeded).")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ErrorBody? Error);

[Description("Why an analysis failed.")]
public sealed record ErrorBody(
    [property: Description("bad_input | internal | cancelled.")] string Kind,
    string Message);

/// <summary>Which record describes each kind's request and result.</summary>
public static class WireTypes
{
    /// <summary>The request record of each kind (its schema, its known fields).</summary>
    public static Type RequestOf(string kind) => kind switch
    {
        AnalysisKinds.Mediation => typeof(MediationRequestBody),
        AnalysisKinds.Localization => typeof(LocalizationRequestBody),
        AnalysisKinds.Mitigation => typeof(MitigationRequestBody),
        AnalysisKinds.Marginals => typeof(MarginalsRequestBody),
        AnalysisKinds.Disentanglement => typeof(DisentanglementRequestBody),
        AnalysisKinds.Discovery => typeof(DiscoveryRequestBody),
        _ => throw new ArgumentException($"'{kind}' is not an analysis kind", nameof(kind)),
    };

    /// <summary>The result record of each kind.</summary>
    public static Type ResultOf(string kind) => kind switch
    {
        AnalysisKinds.Mediation => typeof(MediationResultBody),
        AnalysisKinds.Localization => typeof(LocalizationResultBody),
        AnalysisKinds.Mitigation => typeof(MitigationResultBody),
        AnalysisKinds.Marginals => typeof(MarginalsResultBody),
        AnalysisKinds.Disentanglement => typeof(DisentanglementResultBody),
        AnalysisKinds.Discovery => typeof(DiscoveryResultBody),
        _ => throw new ArgumentException($"'{kind}' is not an analysis kind", nameof(kind)),
    };
}
