using System.Text.Json.Nodes;

namespace OrleansRca.Benchmarks;

/// <summary>Seeded random DAG models for the benchmarks (documented in docs/benchmarks.md).</summary>
public static class RandomModels
{
    private static string N(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// A linear-Gaussian DAG: node i takes 1-3 parents among the previous <paramref name="window"/>
    /// nodes (locality, as in service graphs), weights in ±[0.2, 0.8].
    /// </summary>
    public static CausalModel Linear(int nodes, int seed, int window = 30)
    {
        var random = new Random(seed);
        var json = Skeleton(nodes);
        var edges = json["edges"]!.AsArray();
        var mechanisms = json["mechanisms"]!.AsObject();
        for (var i = 1; i < nodes; i++)
        {
            var parents = PickParents(random, i, window, 3);
            if (parents.Count == 0) continue;
            var weights = new JsonObject();
            foreach (var p in parents)
            {
                edges.Add(new JsonArray($"X{p}", $"X{i}"));
                weights[$"X{p}"] = Math.Round((random.NextDouble() * 0.6 + 0.2) * (random.Next(2) == 0 ? -1 : 1), 3);
            }
            mechanisms[$"X{i}"] = new JsonObject { ["kind"] = "linear", ["intercept"] = Math.Round(random.NextDouble() - 0.5, 3), ["weights"] = weights };
        }
        return ModelFile.FromJson(json);
    }

    /// <summary>
    /// A mediation benchmark graph: <paramref name="treatments"/> root treatments, a body of
    /// locally connected nodes, a KPI layer of <paramref name="mediators"/> mediators (2-3 parents in the
    /// body, sometimes an earlier mediator), and one outcome fed by every mediator. Mechanisms are
    /// nonlinear formulas when <paramref name="nonlinear"/> is set, linear otherwise.
    /// </summary>
    public static CausalModel Mediation(int nodes, int treatments, int mediators, bool nonlinear, int seed, int window = 40) =>
        Mediation(nodes, treatments, mediators, nonlinear ? 1.0 : 0.0, seed, window);

    /// <summary>As above, with each mechanism a nonlinear formula with probability <paramref name="nonlinearShare"/>.</summary>
    public static CausalModel Mediation(int nodes, int treatments, int mediators, double nonlinearShare, int seed, int window = 40)
    {
        var random = new Random(seed);
        var json = Skeleton(nodes);
        var nodeArray = json["nodes"]!.AsArray();
        var edges = json["edges"]!.AsArray();
        var mechanisms = json["mechanisms"]!.AsObject();
        var bodyEnd = nodes - mediators - 1;
        for (var i = 0; i < treatments; i++) nodeArray[i]!["role"] = "treatment";
        for (var i = bodyEnd; i < nodes - 1; i++) nodeArray[i]!["role"] = "mediator";
        nodeArray[nodes - 1]!["role"] = "outcome";
        for (var i = treatments; i < nodes; i++)
        {
            List<int> parents;
            if (i < bodyEnd)
            {
                parents = PickParents(random, i, window, 3);
                // Keep treatments influential: body nodes near the start draw on them.
                if (i < treatments + window && random.Next(2) == 0) parents.Add(random.Next(treatments));
            }
            else if (i < nodes - 1)
            {
                parents = Enumerable.Range(0, 2 + random.Next(2)).Select(_ => treatments + random.Next(bodyEnd - treatments)).ToList();
                if (i > bodyEnd && random.NextDouble() < 0.3) parents.Add(bodyEnd + random.Next(i - bodyEnd));
            }
            else parents = Enumerable.Range(bodyEnd, mediators).ToList();
            parents = parents.Distinct().Order().ToList();
            if (parents.Count == 0) continue;
            foreach (var p in parents) edges.Add(new JsonArray($"X{p}", $"X{i}"));
            mechanisms[$"X{i}"] = random.NextDouble() < nonlinearShare ? Formula(random, parents) : LinearMechanism(random, parents);
        }
        return ModelFile.FromJson(json);
    }

    private static JsonObject Skeleton(int nodes) => new()
    {
        ["name"] = "random",
        ["nodes"] = new JsonArray(Enumerable.Range(0, nodes).Select(i => (JsonNode)new JsonObject { ["name"] = $"X{i}" }).ToArray()),
        ["edges"] = new JsonArray(),
        ["mechanisms"] = new JsonObject(),
    };

    private static List<int> PickParents(Random random, int node, int window, int most)
    {
        var count = 1 + random.Next(most);
        var low = Math.Max(0, node - window);
        return Enumerable.Range(0, count).Select(_ => low + random.Next(node - low)).Distinct().Order().ToList();
    }

    private static JsonObject LinearMechanism(Random random, List<int> parents)
    {
        var weights = new JsonObject();
        foreach (var p in parents) weights[$"X{p}"] = Math.Round((random.NextDouble() * 0.6 + 0.2) * (random.Next(2) == 0 ? -1 : 1), 3);
        return new JsonObject { ["kind"] = "linear", ["intercept"] = Math.Round(random.NextDouble() - 0.5, 3), ["weights"] = weights };
    }

    private static readonly string[] Shapes = ["tanh({0})", "sigmoid({0})", "{0}", "abs({0})", "{0} ^ 2 / 10", "sqrt(1 + {0} ^ 2)"];

    private static JsonObject Formula(Random random, List<int> parents)
    {
        var text = new StringBuilder(N(Math.Round(random.NextDouble() - 0.5, 3)));
        // Weights keep values bounded: a nonlinear DAG of 1,000 nodes must not overflow.
        var scale = 1.0 / Math.Sqrt(parents.Count);
        foreach (var p in parents)
            text.Append(" + ").Append(N(Math.Round((random.NextDouble() * 0.6 + 0.2) * scale * (random.Next(2) == 0 ? -1 : 1), 3)))
                .Append(" * ").Append(string.Format(CultureInfo.InvariantCulture, Shapes[random.Next(Shapes.Length)], $"X{p}"));
        return new JsonObject { ["kind"] = "formula", ["expression"] = text.ToString() };
    }
}
