using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace OrleansRca.Contracts;

/// <summary>
/// Unknown fields in a request body, found from the request records' own metadata (so the records stay the one
/// list of fields): a misspelt <c>"treatmnet"</c> is named, never silently ignored. Types and values are left to
/// the parser, whose messages name the field and say what it must be.
/// </summary>
public static class KnownFields
{
    /// <summary>Paths of the fields of <paramref name="body"/> that the request record of <paramref name="kind"/> does not have, e.g. <c>model.nodes[1].rol</c>.</summary>
    public static IReadOnlyList<string> Unknown(string kind, JsonObject body)
    {
        var unknown = new List<string>();
        Walk(WireJson.Default.GetTypeInfo(WireTypes.RequestOf(kind))!, body, "", unknown);
        return unknown;
    }

    /// <summary>The message of a 400 for <paramref name="unknown"/> fields of a <paramref name="kind"/> request.</summary>
    public static string Message(string kind, IReadOnlyList<string> unknown)
    {
        var names = WireJson.Default.GetTypeInfo(WireTypes.RequestOf(kind))!.Properties.Select(p => p.Name).ToList();
        var parts = unknown.Select(u =>
        {
            var leaf = u[(u.LastIndexOfAny(['.', ']']) + 1)..];
            var near = u.Contains('.', StringComparison.Ordinal) ? null : Closest(leaf, names);
            return near is null ? $"'{u}'" : $"'{u}' (did you mean '{near}'?)";
        });
        return $"unknown field{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", parts)} in a {kind} request; its fields are {string.Join(", ", names)}";
    }

    private static void Walk(JsonTypeInfo info, JsonNode? node, string path, List<string> unknown)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var property = info.Properties.FirstOrDefault(p => p.Name == name);
                    var here = path.Length == 0 ? name : $"{path}.{name}";
                    if (property is null) unknown.Add(here);
                    else Walk(WireJson.Default.GetTypeInfo(property.PropertyType)!, value, here, unknown);
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array:
                var element = ElementType(info.Type, 0);
                if (element is null) break;
                for (var i = 0; i < array.Count; i++) Walk(WireJson.Default.GetTypeInfo(element)!, array[i], $"{path}[{i}]", unknown);
                break;
            case JsonTypeInfoKind.Dictionary when node is JsonObject map:
                var valueType = ElementType(info.Type, 1);
                if (valueType is null) break;
                foreach (var (key, value) in map) Walk(WireJson.Default.GetTypeInfo(valueType)!, value, $"{path}.{key}", unknown);
                break;
        }
    }

    private static Type? ElementType(Type type, int argument)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) return argument == 0 ? t.GetElementType() : null;
        var args = t.GetGenericArguments();
        return args.Length > argument ? args[argument] : null;
    }

    /// <summary>The known name at edit distance 2 or less (a typo), if any.</summary>
    private static string? Closest(string name, IReadOnlyList<string> names)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in names)
        {
            var d = Distance(name, candidate);
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        return best;
    }

    /// <summary>Optimal string alignment distance: an adjacent swap ("treatmnet") is one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
