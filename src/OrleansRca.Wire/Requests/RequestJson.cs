using System.Globalization;

namespace OrleansRca.Wire.Requests;

/// <summary>
/// Typed reads of an analysis request body (contract section 6: the CLI verb's inputs, files
/// inlined, options by their long names). Every failure is an <see cref="InputException"/> naming the field.
/// </summary>
public static class RequestJson
{
    public static JsonObject ParseObject(string json, string what = "request body") => DocumentJson.ParseObject(json, what);

    /// <summary>The <c>model</c> field: a model object (contract section 1), loaded and checked.</summary>
    public static CausalModel Model(JsonObject body) => ModelFile.FromJson(RequiredObject(body, "model"), "model");

    public static JsonObject RequiredObject(JsonObject body, string field) =>
        body[field] as JsonObject ?? throw new InputException(body[field] is null ? $"the request has no '{field}'" : $"'{field}' must be a JSON object");

    public static string RequiredString(JsonObject body, string field) =>
        OptionalString(body, field) ?? throw new InputException($"the request has no '{field}'");

    public static string? OptionalString(JsonObject body, string field)
    {
        var node = body[field];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new InputException($"'{field}' must be a string");
    }

    /// <summary>A string or an array of strings (a repeatable CLI option); null when absent.</summary>
    public static IReadOnlyList<string>? OptionalStrings(JsonObject body, string field)
    {
        var node = body[field];
        switch (node)
        {
            case null: return null;
            case JsonValue v when v.TryGetValue<string>(out var s): return [s];
            case JsonArray a:
                return a.Select((x, i) => x is JsonValue xv && xv.TryGetValue<string>(out var e) ? e
                    : throw new InputException($"'{field}[{i}]' must be a string")).ToList();
            default: throw new InputException($"'{field}' must be a string or an array of strings");
        }
    }

    public static double? OptionalNumber(JsonObject body, string field)
    {
        var node = body[field];
        if (node is null) return null;
        if (node is JsonValue v)
        {
            if (DocumentJson.TryGetNumber(v, out var number)) return number;
            if (v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        }
        throw new InputException($"'{field}' must be a number");
    }

    public static int? OptionalInt(JsonObject body, string field)
    {
        var d = OptionalNumber(body, field);
        if (d is null) return null;
        if (d != Math.Floor(d.Value) || d < int.MinValue || d > int.MaxValue) throw new InputException($"'{field}' must be a whole number");
        return (int)d.Value;
    }
}
