using System.Text;
using OrleansRca.Causal.Discovery;

namespace OrleansRca.Wire.Requests;

/// <summary>
/// A discovery analysis as the HTTP body carries it and the CLI builds it: <c>data</c> (an array of CSV
/// texts, the first observational, the others regimes with unknown interventions), <c>names</c> (what to
/// call each in <c>targets</c>; default <c>data[i]</c>), <c>missing</c>, and the background knowledge
/// <c>require</c> / <c>forbid</c> ("A->B", a string or an array) and <c>tiers</c> (an array of arrays of
/// node names, earliest first), plus <c>penalty</c>, <c>restarts</c>, <c>seed</c> and <c>model</c> (true:
/// add the discovered model file to the result).
/// </summary>
public sealed record DiscoveryRequest(IReadOnlyList<DataTable> Data, IReadOnlyList<string> Names, DiscoveryOptions Options, bool WithModel)
{
    public static DiscoveryRequest Parse(JsonObject body)
    {
        if (body["data"] is not JsonArray data || data.Count == 0)
            throw new InputException("the request needs 'data': an array of CSV texts (the observational data first, then one per regime)");
        var texts = data.Select((d, i) => d is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new InputException($"'data[{i}]' must be CSV text")).ToList();
        var names = RequestJson.OptionalStrings(body, "names") ?? texts.Select((_, i) => $"data[{i}]").ToList();
        if (names.Count != texts.Count) throw new InputException($"'names' has {names.Count} entries for {texts.Count} data sets");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count) throw new InputException("'names' must be distinct");
        var missing = MissingValues.Parse(RequestJson.OptionalString(body, "missing"));
        var tables = Load(texts.Select(t => Encoding.UTF8.GetBytes(t)).ToList(), names, missing);
        return new DiscoveryRequest(tables, names, ParseOptions(body), body["model"] is JsonValue m && m.TryGetValue<bool>(out var withModel) && withModel);
    }

    /// <summary>
    /// Reads every data set with all its columns (the columns are the nodes), checks that they agree,
    /// and resolves gaps by <paramref name="missing"/>; <c>mean</c> takes the observational means.
    /// </summary>
    public static IReadOnlyList<DataTable> Load(IReadOnlyList<byte[]> contents, IReadOnlyList<string> names, MissingPolicy missing) =>
        Load(contents.Select((c, i) => CsvColumns.Read(c, names[i])).ToList(), names, missing);

    /// <summary>The same from datasets already read (uploaded, or read by the CLI), named <paramref name="names"/> in messages.</summary>
    public static IReadOnlyList<DataTable> Load(IReadOnlyList<Dataset> datasets, IReadOnlyList<string> names, MissingPolicy missing)
    {
        if (datasets.Count == 0) throw new InputException("discovery needs at least the observational data");
        var nodes = datasets[0].Names.Where(n => n.Length > 0).ToList();
        if (nodes.Distinct(StringComparer.Ordinal).Count() != nodes.Count)
            throw new InputException($"{names[0]} names a column twice: {string.Join(", ", nodes.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'"))}");
        for (var r = 1; r < datasets.Count; r++)
        {
            var own = datasets[r].Names.Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
            var lacking = nodes.Where(n => !own.Contains(n)).ToList();
            if (lacking.Count > 0)
                throw new InputException($"{names[r]} lacks column(s) {string.Join(", ", lacking.Select(e => $"'{e}'"))} of {names[0]}; every data file must have the same columns");
            var extra = own.Where(n => !nodes.Contains(n)).ToList();
            if (extra.Count > 0)
                throw new InputException($"{names[r]} has column(s) {string.Join(", ", extra.Select(e => $"'{e}'"))} that {names[0]} lacks; every data file must have the same columns");
        }
        var raw = datasets.Select(d => d.Select(nodes, null, missing)).ToList();
        var observational = MissingValues.Fill(raw[0], missing, names[0]);
        var tables = new List<DataTable> { observational };
        for (var r = 1; r < raw.Count; r++) tables.Add(MissingValues.Fill(raw[r], missing, names[r], observational));
        return tables;
    }

    public static DiscoveryOptions ParseOptions(JsonObject body)
    {
        var tiers = new List<IReadOnlyList<string>>();
        switch (body["tiers"])
        {
            case null: break;
            case JsonArray array:
                for (var t = 0; t < array.Count; t++)
                {
                    tiers.Add(array[t] switch
                    {
                        JsonArray members => members.Select((x, i) => x is JsonValue xv && xv.TryGetValue<string>(out var s) ? s
                            : throw new InputException($"'tiers[{t}][{i}]' must be a node name")).ToList(),
                        JsonValue v when v.TryGetValue<string>(out var list) => SplitTier(list),
                        _ => throw new InputException($"'tiers[{t}]' must be an array of node names or a comma-separated list"),
                    });
                }
                break;
            default: throw new InputException("'tiers' must be an array of tiers (earliest first), each an array of node names");
        }
        var defaults = new DiscoveryOptions();
        return new DiscoveryOptions
        {
            Penalty = RequestJson.OptionalNumber(body, "penalty") ?? defaults.Penalty,
            ExpectedTargetsPerRegime = RequestJson.OptionalNumber(body, "expected_targets") ?? defaults.ExpectedTargetsPerRegime,
            Restarts = RequestJson.OptionalInt(body, "restarts") ?? defaults.Restarts,
            Seed = RequestJson.OptionalInt(body, "seed") ?? defaults.Seed,
            Knowledge = new DiscoveryKnowledge
            {
                Required = (RequestJson.OptionalStrings(body, "require") ?? []).Select(e => DiscoveryKnowledge.ParseEdge(e, "require")).ToList(),
                Forbidden = (RequestJson.OptionalStrings(body, "forbid") ?? []).Select(e => DiscoveryKnowledge.ParseEdge(e, "forbid")).ToList(),
                Tiers = tiers,
            },
        };
    }

    /// <summary>"a, b,c" as a tier's node names.</summary>
    public static List<string> SplitTier(string list)
    {
        var members = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (members.Count == 0) throw new InputException($"tier '{list}' names no node");
        return members;
    }

    public DiscoveryResult Run() => CausalDiscovery.Discover(Data, Names, Options);

    /// <summary>
    /// The result document: <c>edges</c> and <c>targets</c> (contract section 4), each edge's confidence
    /// and orientation, each target's posterior probability, and with <see cref="WithModel"/> the model file.
    /// </summary>
    public JsonObject ToJson(DiscoveryResult result) => ToJson(result, Data, WithModel);

    public static JsonObject ToJson(DiscoveryResult result, IReadOnlyList<DataTable> data, bool withModel)
    {
        var targets = new JsonObject();
        var targetConfidence = new JsonObject();
        for (var r = 0; r < result.Regimes.Count; r++)
        {
            targets[result.Regimes[r]] = new JsonArray(result.Targets[r].Select(t => (JsonNode)t.Node).ToArray());
            targetConfidence[result.Regimes[r]] = new JsonArray(result.Targets[r]
                .Select(t => (JsonNode)new JsonObject { ["node"] = t.Node, ["probability"] = t.Probability }).ToArray());
        }
        var document = new JsonObject
        {
            ["nodes"] = new JsonArray(result.Nodes.Select(n => (JsonNode)n).ToArray()),
            ["rows"] = new JsonArray(data.Select(d => (JsonNode)d.Rows).ToArray()),
            ["edges"] = new JsonArray(result.Edges.Select(e => (JsonNode)new JsonArray(e.Parent, e.Child)).ToArray()),
            ["targets"] = targets,
            ["edge_confidence"] = new JsonArray(result.Edges.Select(e => (JsonNode)new JsonObject
            {
                ["parent"] = e.Parent, ["child"] = e.Child, ["confidence"] = e.Confidence, ["orientation"] = e.Orientation,
            }).ToArray()),
            ["target_confidence"] = targetConfidence,
            ["score"] = result.Score,
        };
        if (withModel) document["model"] = ModelFile.ToJson(CausalDiscovery.ToModel(result, data));
        return document;
    }
}
