using OrleansRca.Causal.Counterfactuals;
using OrleansRca.Causal.Mediation;

namespace OrleansRca.Wire.Requests;

/// <summary>
/// A mediation analysis as the HTTP body and the cluster carry it: <c>model</c> (object), <c>data</c>
/// (CSV text), and the <c>mediate</c> verb's options by long name: <c>treatment</c>, <c>mediator</c>
/// (string or array), <c>outcome</c>, <c>treated</c>, <c>untreated</c>, <c>engine</c>, <c>bootstrap</c>, <c>seed</c>.
/// </summary>
public sealed record MediationRequest(CausalModel Model, DataTable Data, MediationOptions Options)
{
    public static MediationRequest Parse(JsonObject body)
    {
        var model = RequestJson.Model(body);
        var data = CsvData.ParseFor(model, RequestJson.RequiredString(body, "data"), "data");
        return new MediationRequest(model, data, ParseOptions(body));
    }

    public static MediationOptions ParseOptions(JsonObject body)
    {
        var bootstrap = RequestJson.OptionalInt(body, "bootstrap") ?? 0;
        if (bootstrap is < 0 or > 100_000) throw new InputException($"bootstrap must be between 0 and 100000, not {bootstrap}");
        var confidence = RequestJson.OptionalNumber(body, "confidence") ?? 0.95;
        if (confidence is <= 0 or >= 1) throw new InputException($"confidence must be between 0 and 1 (exclusive), not {confidence}");
        var engineText = RequestJson.OptionalString(body, "engine") ?? "auto";
        var engine = engineText switch
        {
            "auto" => EffectEngine.Auto, "general" => EffectEngine.General, "linear" => EffectEngine.Linear,
            _ => throw new InputException($"engine must be auto, general or linear, not '{engineText}'"),
        };
        return new MediationOptions
        {
            Treatments = RequestJson.OptionalStrings(body, "treatment"),
            Mediators = RequestJson.OptionalStrings(body, "mediator"),
            Outcome = RequestJson.OptionalString(body, "outcome"),
            Treated = InterventionSpec.Parse(RequestJson.OptionalString(body, "treated") ?? "+50%", "treated"),
            Untreated = InterventionSpec.Parse(RequestJson.OptionalString(body, "untreated") ?? "observed", "untreated"),
            Engine = engine,
            Bootstrap = bootstrap,
            Seed = RequestJson.OptionalInt(body, "seed") ?? 0,
            Confidence = confidence,
        };
    }

    /// <summary>Checks everything that can be checked before any work: model, data, node choices.</summary>
    public void Validate() => MediationPlan.Create(Model, Options);
}
