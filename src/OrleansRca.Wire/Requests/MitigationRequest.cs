using System.Globalization;
using OrleansRca.Causal.Mitigation;

namespace OrleansRca.Wire.Requests;

/// <summary>
/// A mitigation as the HTTP body and the cluster carry it: <c>model</c> (object), <c>normal</c> and <c>anomalies</c>
/// (CSV text), and the <c>mitigate</c> verb's options by long name: <c>detector</c> (mahalanobis|pca|mixture), <c>alpha</c>,
/// <c>pi</c>, <c>act-on</c> (root-causes|controllable), <c>missing</c>, <c>cost</c> ("sd", "unit", or an object / "N=s,N=s" text of per-node cost scales, the
/// other nodes keeping their standard deviation).
/// </summary>
public sealed record MitigationRequest(LocalizationData Data, MitigationOptions Options)
{
    public static MitigationRequest Parse(JsonObject body)
    {
        var model = RequestJson.Model(body);
        var options = ParseOptions(body, model);
        return new MitigationRequest(LocalizationRequest.ParseData(body, model), options);
    }

    public static MitigationOptions ParseOptions(JsonObject body, CausalModel model)
    {
        var defaults = new MitigationOptions();
        var options = new MitigationOptions
        {
            Detector = AnomalyDetector.ParseKind(RequestJson.OptionalString(body, "detector")),
            Alpha = RequestJson.OptionalNumber(body, "alpha") ?? defaults.Alpha,
            Pi = RequestJson.OptionalNumber(body, "pi") ?? defaults.Pi,
            ActOn = MitigationOptions.ParseScope(RequestJson.OptionalString(body, "act-on")),
            CostScale = ParseCost(body["cost"], model),
        };
        options.Validate();
        new LocalizeOptions { Pi = options.Pi }.Validate(model);
        return options;
    }

    private static IReadOnlyDictionary<string, double>? ParseCost(JsonNode? cost, CausalModel model)
    {
        var names = model.Graph.Names;
        switch (cost)
        {
            case null:
                return null;
            case JsonObject o:
                return o.ToDictionary(kv => kv.Key, kv => DocumentJson.TryGetNumber(kv.Value, out var s) ? s
                    : throw new InputException($"cost: the scale of '{kv.Key}' must be a number"));
            case JsonValue v when v.TryGetValue<string>(out var text):
                if (text == "sd") return null;
                if (text == "unit") return MitigationOptions.UnitCost(names);
                var scales = new Dictionary<string, double>();
                foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = part.LastIndexOf('=');
                    if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
                        throw new InputException($"cost: '{part}' is not NODE=SCALE; use sd, unit or N=s,N=s");
                    scales[part[..eq]] = s;
                }
                return scales;
            default:
                throw new InputException("cost must be \"sd\", \"unit\", \"N=s,...\" or an object of per-node scales");
        }
    }
}
