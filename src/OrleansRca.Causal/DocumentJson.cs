using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansRca.Causal;

/// <summary>
/// Reads of the JSON documents the core loads itself (model, mixture, noise and truth files). Request bodies
/// are the wire project's business; this is only what a document loader needs, each failure an
/// <see cref="InputException"/> naming the document or field.
/// </summary>
public static class DocumentJson
{
    /// <summary>Parses <paramref name="json"/> as an object; <paramref name="what"/> names it in messages.</summary>
    public static JsonObject ParseObject(string json, string what)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new InputException($"the {what} must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InputException($"the {what} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>A string field of <paramref name="document"/> (named <paramref name="what"/> in the message).</summary>
    public static string RequiredString(JsonObject document, string field, string what) =>
        document[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InputException($"the {what} needs '{field}' as a string");

    /// <summary>
    /// Reads a JSON number whatever backs the node: parsed text holds a JsonElement, a node built in
    /// code holds an int, long or double, and <c>GetValue&lt;double&gt;</c> converts only some of those.
    /// </summary>
    public static bool TryGetNumber(JsonNode? node, out double value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
