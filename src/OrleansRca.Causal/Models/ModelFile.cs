using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansRca.Causal.Models;

/// <summary>Reads and writes the causal model file of contract section 1.</summary>
public static class ModelFile
{
    public static CausalModel Load(string path)
    {
        if (!File.Exists(path)) throw new InputException($"model file '{path}' does not exist");
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    public static CausalModel Parse(string json, string source = "model")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InputException($"{source} is not valid JSON: {e.Message}");
        }
        if (root is not JsonObject obj) throw new InputException($"{source} must be a JSON object");
        return FromJson(obj, source);
    }

    public static CausalModel FromJson(JsonObject obj, string source = "model")
    {
        var name = obj["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : "model";
        if (obj["nodes"] is not JsonArray nodesJson || nodesJson.Count == 0)
            throw new InputException($"{source} needs a non-empty 'nodes' array");

        var specs = new List<NodeSpec>();
        foreach (var (item, i) in nodesJson.Select((x, i) => (x, i)))
        {
            if (item is not JsonObject node) throw new InputException($"{source}: nodes[{i}] must be an object");
            var nodeName = String(node, "name", $"nodes[{i}]", source) ?? throw new InputException($"{source}: nodes[{i}] has no 'name'");
            var roleText = String(node, "role", $"node '{nodeName}'", source) ?? "covariate";
            var role = roleText switch
            {
                "treatment" => NodeRole.Treatment, "mediator" => NodeRole.Mediator,
                "outcome" => NodeRole.Outcome, "covariate" => NodeRole.Covariate,
                _ => throw new InputException($"{source}: node '{nodeName}' has role '{roleText}'; use treatment, mediator, outcome or covariate"),
            };
            var typeText = String(node, "type", $"node '{nodeName}'", source) ?? "continuous";
            var type = typeText switch
            {
                "continuous" => NodeType.Continuous, "binary" => NodeType.Binary, "categorical" => NodeType.Categorical,
                _ => throw new InputException($"{source}: node '{nodeName}' has type '{typeText}'; use continuous, binary or categorical"),
            };
            var controllable = true;
            if (node["controllable"] is { } c)
            {
                if (c.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    throw new InputException($"{source}: node '{nodeName}' has a non-boolean 'controllable'");
                controllable = c.GetValue<bool>();
            }
            specs.Add(new NodeSpec(nodeName, role, type, controllable));
        }

        var edges = new List<(string, string)>();
        if (obj["edges"] is JsonArray edgesJson)
        {
            foreach (var (item, i) in edgesJson.Select((x, i) => (x, i)))
            {
                if (item is not JsonArray pair || pair.Count != 2 || pair[0] is not JsonValue a || pair[1] is not JsonValue b
                    || !a.TryGetValue<string>(out var parent) || !b.TryGetValue<string>(out var child))
                    throw new InputException($"{source}: edges[{i}] must be a [parent, child] pair of node names");
                edges.Add((parent, child));
            }
        }
        else if (obj["edges"] is not null)
            throw new InputException($"{source}: 'edges' must be an array of [parent, child] pairs");

        var graph = CausalGraph.Create(specs.Select(s => s.Name).ToList(), edges);
        var mechanisms = new Mechanism?[graph.Count];
        if (obj["mechanisms"] is JsonObject mechs)
        {
            foreach (var (nodeName, value) in mechs)
            {
                if (!graph.TryGetIndex(nodeName, out var v))
                    throw new InputException($"{source}: a mechanism is given for unknown node '{nodeName}'");
                mechanisms[v] = ParseMechanism(graph, v, value, source);
            }
        }
        else if (obj["mechanisms"] is not null)
            throw new InputException($"{source}: 'mechanisms' must be an object keyed by node name");

        return new CausalModel(name, graph, specs, mechanisms);
    }

    private static string? String(JsonObject o, string field, string where, string source)
    {
        if (o[field] is null) return null;
        if (o[field] is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new InputException($"{source}: {where} has a non-string '{field}'");
    }

    private static Mechanism ParseMechanism(CausalGraph graph, int node, JsonNode? value, string source)
    {
        var nodeName = graph.Names[node];
        if (value is not JsonObject m) throw new InputException($"{source}: the mechanism of '{nodeName}' must be an object");
        var parents = graph.Parents[node].Select(p => graph.Names[p]).ToList();
        var kind = String(m, "kind", $"the mechanism of '{nodeName}'", source);
        switch (kind)
        {
            case "linear":
                var intercept = m["intercept"] is null ? 0.0 : Number(m["intercept"], $"the intercept of '{nodeName}'", source);
                var weights = new double[parents.Count];
                if (m["weights"] is JsonObject ws)
                {
                    foreach (var (parent, w) in ws)
                    {
                        var k = parents.IndexOf(parent);
                        if (k < 0)
                            throw new InputException($"{source}: the linear mechanism of '{nodeName}' weights '{parent}', which is not a parent of '{nodeName}'");
                        weights[k] = Number(w, $"the weight of '{parent}' in '{nodeName}'", source);
                    }
                }
                else if (m["weights"] is not null)
                    throw new InputException($"{source}: the weights of '{nodeName}' must be an object keyed by parent name");
                return new LinearMechanism(intercept, weights);
            case "formula":
                var expression = String(m, "expression", $"the mechanism of '{nodeName}'", source)
                    ?? throw new InputException($"{source}: the formula mechanism of '{nodeName}' has no 'expression'");
                return new FormulaMechanism(Formula.Compile(expression, parents, nodeName));
            case null:
                throw new InputException($"{source}: the mechanism of '{nodeName}' has no 'kind' (linear or formula)");
            default:
                throw new InputException($"{source}: the mechanism of '{nodeName}' has kind '{kind}'; use linear or formula");
        }
    }

    private static double Number(JsonNode? node, string what, string source)
    {
        if (DocumentJson.TryGetNumber(node, out var d) && double.IsFinite(d)) return d;
        throw new InputException($"{source}: {what} must be a finite number");
    }

    /// <summary>The model as a contract model object (fitted mechanisms become linear ones).</summary>
    public static JsonObject ToJson(CausalModel model)
    {
        var g = model.Graph;
        var nodes = new JsonArray();
        foreach (var s in model.Nodes)
        {
            var node = new JsonObject { ["name"] = s.Name, ["role"] = s.Role.ToString().ToLowerInvariant() };
            if (s.Type != NodeType.Continuous) node["type"] = s.Type.ToString().ToLowerInvariant();
            if (!s.Controllable) node["controllable"] = false;
            nodes.Add(node);
        }
        var edges = new JsonArray();
        for (var c = 0; c < g.Count; c++)
            foreach (var p in g.Parents[c])
                edges.Add(new JsonArray(g.Names[p], g.Names[c]));
        var mechanisms = new JsonObject();
        for (var v = 0; v < g.Count; v++)
        {
            switch (model.Mechanisms[v])
            {
                case LinearMechanism lin:
                    var weights = new JsonObject();
                    for (var k = 0; k < g.Parents[v].Length; k++) weights[g.Names[g.Parents[v][k]]] = lin.Weights[k];
                    mechanisms[g.Names[v]] = new JsonObject { ["kind"] = "linear", ["intercept"] = lin.Intercept, ["weights"] = weights };
                    break;
                case FormulaMechanism f:
                    mechanisms[g.Names[v]] = new JsonObject { ["kind"] = "formula", ["expression"] = f.Formula.Expression };
                    break;
            }
        }
        return new JsonObject { ["name"] = model.Name, ["nodes"] = nodes, ["edges"] = edges, ["mechanisms"] = mechanisms };
    }
}
