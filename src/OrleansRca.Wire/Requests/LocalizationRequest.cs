namespace OrleansRca.Wire.Requests;

/// <summary>
/// A localization as the HTTP body and the cluster carry it: <c>model</c> (object), <c>normal</c> and
/// <c>anomalies</c> (CSV text), and the <c>localize</c> verb's options by long name: <c>pi</c>, <c>target</c>,
/// <c>missing</c>, <c>method</c> (noise|shapley), <c>blame-level</c>, <c>seed</c>, <c>samples</c>, <c>permutations</c>.
/// </summary>
public sealed record LocalizationRequest(LocalizationData Data, LocalizeOptions Options)
{
    public static LocalizationRequest Parse(JsonObject body)
    {
        var model = RequestJson.Model(body);
        var options = ParseOptions(body);
        options.Validate(model);
        return new LocalizationRequest(ParseData(body, model), options);
    }

    /// <summary>The <c>normal</c> and <c>anomalies</c> tables (CSV text) for <paramref name="model"/>, gaps treated by <c>missing</c>; mitigation reads the same.</summary>
    public static LocalizationData ParseData(JsonObject body, CausalModel model)
    {
        var missing = MissingValues.Parse(RequestJson.OptionalString(body, "missing"));
        return LocalizationData.Parse(model, RequestJson.RequiredString(body, "normal"), RequestJson.RequiredString(body, "anomalies"), missing);
    }

    public static LocalizeOptions ParseOptions(JsonObject body)
    {
        var methodText = RequestJson.OptionalString(body, "method") ?? "noise";
        var method = methodText switch
        {
            "noise" => RankingMethod.Noise,
            "shapley" => RankingMethod.Shapley,
            _ => throw new InputException($"method must be noise or shapley, not '{methodText}'"),
        };
        var defaults = new LocalizeOptions();
        return new LocalizeOptions
        {
            Pi = RequestJson.OptionalNumber(body, "pi") ?? defaults.Pi,
            Target = RequestJson.OptionalString(body, "target"),
            Method = method,
            BlameLevel = RequestJson.OptionalNumber(body, "blame-level") ?? defaults.BlameLevel,
            Seed = RequestJson.OptionalInt(body, "seed") ?? 0,
            Samples = RequestJson.OptionalInt(body, "samples") ?? defaults.Samples,
            Permutations = RequestJson.OptionalInt(body, "permutations") ?? defaults.Permutations,
        };
    }
}
