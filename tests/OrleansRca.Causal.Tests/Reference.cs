namespace OrleansRca.Causal.Tests;

/// <summary>
/// An independent reference written straight from the definitions (contract section 5): a node is
/// f(parents) + u with f given as a plain C# function, each row's noise is abducted as x − f, and
/// every counterfactual is a full re-simulation of the row. No code of the engine is used.
/// </summary>
public sealed class ReferenceScm
{
    public List<string> Names { get; } = [];
    public Dictionary<string, List<string>> Parents { get; } = [];
    public Dictionary<string, Func<Dictionary<string, double>, double>> F { get; } = [];
    /// <summary>The same mechanism as text for the model file.</summary>
    public Dictionary<string, JsonObject> Mechanism { get; } = [];
    public Dictionary<string, string> Role { get; } = [];

    public void Node(string name, string role = "covariate") { Names.Add(name); Parents[name] = []; Role[name] = role; }

    public void Edge(string parent, string child) => Parents[child].Add(parent);

    public JsonObject ToModelJson(bool includeMechanisms = true)
    {
        var nodes = new JsonArray(Names.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["role"] = Role[n] }).ToArray());
        var edges = new JsonArray(Names.SelectMany(c => Parents[c].Select(p => (JsonNode)new JsonArray(p, c))).ToArray());
        var mechanisms = new JsonObject();
        if (includeMechanisms)
            foreach (var (n, m) in Mechanism) mechanisms[n] = m.DeepClone();
        return new JsonObject { ["name"] = "reference", ["nodes"] = nodes, ["edges"] = edges, ["mechanisms"] = mechanisms };
    }

    private double Fn(string node, Dictionary<string, double> env) =>
        Parents[node].Count == 0 && !F.ContainsKey(node) ? 0 : F[node](env);

    public Dictionary<string, double> Simulate(Dictionary<string, double> u, Dictionary<string, double> forced)
    {
        var env = new Dictionary<string, double>();
        var left = new List<string>(Names);
        while (left.Count > 0)
            foreach (var n in left.ToList())
                if (Parents[n].All(env.ContainsKey))
                {
                    env[n] = forced.TryGetValue(n, out var f) ? f : Fn(n, env) + u[n];
                    left.Remove(n);
                }
        return env;
    }

    public Dictionary<string, double> Abduct(Dictionary<string, double> row) =>
        Names.ToDictionary(n => n, n => row[n] - Fn(n, row));

    /// <summary>Brute-force NIE, TE and NDE means by the definition.</summary>
    public (Dictionary<(string, string), double> Nie, Dictionary<string, double> Te, Dictionary<string, double> Nde) Mediation(
        IReadOnlyList<Dictionary<string, double>> rows, string[] treatments, string[] mediators, string outcome,
        Func<double, double> treated, Func<double, double> untreated)
    {
        var nie = new Dictionary<(string, string), double>();
        var te = treatments.ToDictionary(t => t, _ => 0.0);
        var nde = treatments.ToDictionary(t => t, _ => 0.0);
        foreach (var t in treatments) foreach (var m in mediators) nie[(t, m)] = 0;
        foreach (var row in rows)
        {
            var u = Abduct(row);
            var untreatedAll = treatments.ToDictionary(t => t, t => untreated(row[t]));
            var baseline = Simulate(u, untreatedAll);
            foreach (var t in treatments)
            {
                var treatedWorld = Simulate(u, new Dictionary<string, double>(untreatedAll) { [t] = treated(row[t]) });
                te[t] += treatedWorld[outcome] - baseline[outcome];
                var held = new Dictionary<string, double>(untreatedAll) { [t] = treated(row[t]) };
                foreach (var m in mediators) held[m] = baseline[m];
                nde[t] += Simulate(u, held)[outcome] - baseline[outcome];
                foreach (var m in mediators)
                {
                    var world = Simulate(u, new Dictionary<string, double>(untreatedAll) { [m] = treatedWorld[m] });
                    nie[(t, m)] += world[outcome] - baseline[outcome];
                }
            }
        }
        var n = rows.Count;
        return (nie.ToDictionary(kv => kv.Key, kv => kv.Value / n), te.ToDictionary(kv => kv.Key, kv => kv.Value / n), nde.ToDictionary(kv => kv.Key, kv => kv.Value / n));
    }

    public List<Dictionary<string, double>> Sample(Random random, int rows, Func<string, Random, double> noise)
    {
        var result = new List<Dictionary<string, double>>();
        for (var r = 0; r < rows; r++)
            result.Add(Simulate(Names.ToDictionary(n => n, n => noise(n, random)), []));
        return result;
    }

    public string ToCsv(IReadOnlyList<Dictionary<string, double>> rows) =>
        string.Join(",", Names) + "\n" + string.Join("\n", rows.Select(r => string.Join(",", Names.Select(n => r[n].ToString("R", CultureInfo.InvariantCulture))))) + "\n";

    // ---- random mechanisms: a C# function and the same formula as text ---------------------

    public void RandomLinear(Random random, string node)
    {
        var parents = Parents[node];
        var intercept = Math.Round(random.NextDouble() * 2 - 1, 3);
        var weights = parents.ToDictionary(p => p, _ => Math.Round((random.NextDouble() * 1.6 - 0.8), 3));
        F[node] = env => intercept + parents.Sum(p => weights[p] * env[p]);
        var w = new JsonObject();
        foreach (var (p, v) in weights) w[p] = v;
        Mechanism[node] = new JsonObject { ["kind"] = "linear", ["intercept"] = intercept, ["weights"] = w };
    }

    private static readonly (string Text, Func<double, double> F)[] Shapes =
    [
        ("tanh({0})", Math.Tanh),
        ("sigmoid({0})", x => 1 / (1 + Math.Exp(-x))),
        ("exp(0.2 * {0})", x => Math.Exp(0.2 * x)),
        ("{0} ^ 2 / 4", x => x * x / 4),
        ("abs({0})", Math.Abs),
        ("sqrt(1 + {0} * {0})", x => Math.Sqrt(1 + x * x)),
        ("max({0}, 0.5)", x => Math.Max(x, 0.5)),
        ("{0}", x => x),
    ];

    public void RandomNonlinear(Random random, string node)
    {
        var parents = Parents[node];
        var intercept = Math.Round(random.NextDouble() * 2 - 1, 3);
        var terms = parents.Select(p => (p, w: Math.Round(random.NextDouble() * 1.6 - 0.8, 3), s: Shapes[random.Next(Shapes.Length)])).ToList();
        var text = intercept.ToString("R", CultureInfo.InvariantCulture) + string.Concat(terms.Select(t =>
            $" + {t.w.ToString("R", CultureInfo.InvariantCulture)} * {string.Format(CultureInfo.InvariantCulture, t.s.Text, t.p)}"));
        // An interaction term when there are two parents or more: mechanisms need not be additive in parents.
        double interaction = 0;
        if (parents.Count >= 2)
        {
            interaction = Math.Round(random.NextDouble() * 0.4 - 0.2, 3);
            text += $" + {interaction.ToString("R", CultureInfo.InvariantCulture)} * {parents[0]} * {parents[1]}";
        }
        F[node] = env => intercept + terms.Sum(t => t.w * t.s.F(env[t.p])) + (parents.Count >= 2 ? interaction * env[parents[0]] * env[parents[1]] : 0);
        Mechanism[node] = new JsonObject { ["kind"] = "formula", ["expression"] = text };
    }
}
