using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansRca.Contracts;

/// <summary>
/// A table of an analysis: CSV text inline, or <c>{"dataset": "ID"}</c> naming an uploaded dataset (contract
/// sections 2 and 6). Its OpenAPI schema is a oneOf of the two (see the host's schema transformer).
/// </summary>
[JsonConverter(typeof(TableInputConverter))]
[Description("CSV text with a header row of node names, or {\"dataset\": \"ID\"} naming an uploaded dataset.")]
public sealed record TableInput(string? Csv, string? Dataset);

/// <summary>A string or an array of strings (a repeatable CLI option such as <c>--treatment</c>).</summary>
[JsonConverter(typeof(StringOrListConverter))]
[Description("A string or an array of strings.")]
public sealed record StringOrList(IReadOnlyList<string> Values);

/// <summary>Mitigation costs: <c>sd</c>, <c>unit</c>, <c>N=s,N=s</c>, or an object of scales by node.</summary>
[JsonConverter(typeof(CostInputConverter))]
[Description("\"sd\" (default), \"unit\", \"N=s,N=s\", or an object of cost scales by node.")]
public sealed record CostInput(string? Text, IReadOnlyDictionary<string, double>? Scales);

internal sealed class TableInputConverter : JsonConverter<TableInput>
{
    public override TableInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new TableInput(reader.GetString(), null);
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a table must be CSV text or {\"dataset\": \"ID\"}");
        string? id = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name != "dataset" || reader.TokenType != JsonTokenType.String) throw new JsonException("a table must be CSV text or {\"dataset\": \"ID\"}");
            id = reader.GetString();
        }
        return new TableInput(null, id ?? throw new JsonException("a table must be CSV text or {\"dataset\": \"ID\"}"));
    }

    public override void Write(Utf8JsonWriter writer, TableInput value, JsonSerializerOptions options)
    {
        if (value.Csv is not null) { writer.WriteStringValue(value.Csv); return; }
        writer.WriteStartObject();
        writer.WriteString("dataset", value.Dataset);
        writer.WriteEndObject();
    }
}

internal sealed class StringOrListConverter : JsonConverter<StringOrList>
{
    public override StringOrList Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new StringOrList([reader.GetString()!]);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a string or an array of strings");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("expected a string or an array of strings"));
        return new StringOrList(list);
    }

    public override void Write(Utf8JsonWriter writer, StringOrList value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var v in value.Values) writer.WriteStringValue(v);
        writer.WriteEndArray();
    }
}

internal sealed class CostInputConverter : JsonConverter<CostInput>
{
    public override CostInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new CostInput(reader.GetString(), null);
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("cost must be a string or an object of scales by node");
        var scales = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            scales[name] = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : throw new JsonException($"cost: the scale of '{name}' must be a number");
        }
        return new CostInput(null, scales);
    }

    public override void Write(Utf8JsonWriter writer, CostInput value, JsonSerializerOptions options)
    {
        if (value.Text is not null) { writer.WriteStringValue(value.Text); return; }
        writer.WriteStartObject();
        foreach (var (k, v) in value.Scales ?? new Dictionary<string, double>()) writer.WriteNumber(k, v);
        writer.WriteEndObject();
    }
}
