using OrleansRca.Causal.Discrete;

namespace OrleansRca.Wire.Results;

/// <summary>The <c>disentangle</c> result document (contract section 4); one writer for the CLI and HTTP.</summary>
public static class DisentanglementJson
{
    /// <summary>The contract's JSON: <c>{"pi_phi", "proportions":[{"node","state","pi"}]}</c> (plus "method").</summary>
    public static JsonObject ToJson(this MixtureSolution solution)
    {
        var list = new JsonArray();
        foreach (var p in solution.Proportions)
            list.Add(new JsonObject { ["node"] = p.Node, ["state"] = p.State, ["pi"] = p.Pi });
        return new JsonObject
        {
            ["pi_phi"] = solution.PiPhi,
            ["proportions"] = list,
            ["method"] = solution.Method.ToString().ToLowerInvariant(),
        };
    }
}
