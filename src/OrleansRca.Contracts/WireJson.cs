using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansRca.Contracts;

/// <summary>Source-generated JSON for every wire record (snake_case field names, as the contract spells them).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(MediationRequestBody))]
[JsonSerializable(typeof(LocalizationRequestBody))]
[JsonSerializable(typeof(MitigationRequestBody))]
[JsonSerializable(typeof(MarginalsRequestBody))]
[JsonSerializable(typeof(DisentanglementRequestBody))]
[JsonSerializable(typeof(DiscoveryRequestBody))]
[JsonSerializable(typeof(MediationResultBody))]
[JsonSerializable(typeof(LocalizationResultBody))]
[JsonSerializable(typeof(MitigationResultBody))]
[JsonSerializable(typeof(MarginalsResultBody))]
[JsonSerializable(typeof(DisentanglementResultBody))]
[JsonSerializable(typeof(DiscoveryResultBody))]
[JsonSerializable(typeof(SubmittedAnalysis))]
[JsonSerializable(typeof(AnalysisDocument))]
[JsonSerializable(typeof(string))]
public sealed partial class WireJson : JsonSerializerContext;
