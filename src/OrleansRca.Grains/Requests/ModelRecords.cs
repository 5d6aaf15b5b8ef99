using System.Text.Json.Nodes;

namespace OrleansRca.Grains.Requests;

/// <summary>A causal model as a typed record and back; going back runs the model file's own validation.</summary>
public static class ModelRecords
{
    public static ModelRecord From(CausalModel model)
    {
        var g = model.Graph;
        var parents = new List<string>();
        var children = new List<string>();
        for (var c = 0; c < g.Count; c++)
            foreach (var p in g.Parents[c]) { parents.Add(g.Names[p]); children.Add(g.Names[c]); }
        var mechanisms = new List<MechanismRecord>();
        for (var v = 0; v < g.Count; v++)
        {
            var names = g.Parents[v].Select(p => g.Names[p]).ToArray();
            switch (model.Mechanisms[v])
            {
                case LinearMechanism lin:
                    mechanisms.Add(new MechanismRecord(g.Names[v], "linear", lin.Intercept, names, [.. lin.Weights], null));
                    break;
                case FormulaMechanism f:
                    mechanisms.Add(new MechanismRecord(g.Names[v], "formula", 0, names, [], f.Formula.Expression));
                    break;
            }
        }
        return new ModelRecord(model.Name,
            [.. model.Nodes.Select(n => new NodeRecord(n.Name, n.Role.ToString().ToLowerInvariant(), n.Type.ToString().ToLowerInvariant(), n.Controllable))],
            [.. parents], [.. children], [.. mechanisms]);
    }

    /// <summary>The contract model object (section 1).</summary>
    public static JsonObject ToJson(ModelRecord model)
    {
        var nodes = new JsonArray();
        foreach (var n in model.Nodes)
            nodes.Add(new JsonObject { ["name"] = n.Name, ["role"] = n.Role, ["type"] = n.Type, ["controllable"] = n.Controllable });
        var edges = new JsonArray();
        for (var e = 0; e < model.EdgeParents.Length; e++) edges.Add(new JsonArray(model.EdgeParents[e], model.EdgeChildren[e]));
        var mechanisms = new JsonObject();
        foreach (var m in model.Mechanisms)
        {
            if (m.Kind == "linear")
            {
                var weights = new JsonObject();
                for (var k = 0; k < m.Parents.Length; k++) weights[m.Parents[k]] = m.Weights[k];
                mechanisms[m.Node] = new JsonObject { ["kind"] = "linear", ["intercept"] = m.Intercept, ["weights"] = weights };
            }
            else mechanisms[m.Node] = new JsonObject { ["kind"] = m.Kind, ["expression"] = m.Expression };
        }
        return new JsonObject { ["name"] = model.Name, ["nodes"] = nodes, ["edges"] = edges, ["mechanisms"] = mechanisms };
    }

    public static CausalModel ToModel(ModelRecord model) => ModelFile.FromJson(ToJson(model), "model");
}
