using System.Text;
using System.Text.Json.Nodes;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using OrleansRca.Causal.Counterfactuals;

namespace OrleansRca.Causal.Synthetic;

/// <summary>
/// Seeded data from a fully specified model: each node's exogenous noise is drawn from its
/// distribution, then values are propagated in topological order (x = f(parents) + u).
/// Noise distributions come from the model file's optional <c>"noise"</c> object:
/// <c>{"node": {"distribution": "normal", "mean": 0, "sd": 1}}</c> or <c>{"distribution": "uniform", "low": a, "high": b}</c>;
/// a node without an entry gets standard normal noise.
/// </summary>
public static class SyntheticData
{
    public static IContinuousDistribution[] NoiseFromJson(CausalModel model, JsonObject? noise, System.Random random)
    {
        var result = new IContinuousDistribution[model.Count];
        for (var v = 0; v < model.Count; v++) result[v] = new Normal(0, 1, random);
        if (noise is null) return result;
        foreach (var (name, spec) in noise)
        {
            if (!model.Graph.TryGetIndex(name, out var v)) throw new InputException($"noise is given for unknown node '{name}'");
            if (spec is not JsonObject o) throw new InputException($"the noise of '{name}' must be an object");
            double Get(string field, double fallback) =>
                o[field] is null ? fallback
                : DocumentJson.TryGetNumber(o[field], out var x) ? x
                : throw new InputException($"the noise of '{name}': '{field}' must be a number");
            var kind = o["distribution"]?.GetValue<string>() ?? "normal";
            result[v] = kind switch
            {
                "normal" when Get("sd", 1) > 0 => new Normal(Get("mean", 0), Get("sd", 1), random),
                "uniform" when Get("high", 1) > Get("low", 0) => new ContinuousUniform(Get("low", 0), Get("high", 1), random),
                "normal" or "uniform" => throw new InputException($"the noise of '{name}' has invalid parameters"),
                _ => throw new InputException($"the noise of '{name}' has distribution '{kind}'; use normal or uniform"),
            };
        }
        return result;
    }

    /// <summary>Draws <paramref name="rows"/> rows; the same seed gives the same data on every machine.</summary>
    public static DataTable Generate(CausalModel model, JsonObject? noiseSpec, int rows, int seed)
    {
        if (rows <= 0) throw new InputException($"rows must be positive, not {rows}");
        if (!model.IsFullySpecified)
            throw new InputException($"to generate data every non-root node needs a mechanism; missing: {string.Join(", ", model.NodesToFit().Select(v => model.Graph.Names[v]))}");
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var distributions = NoiseFromJson(model, noiseSpec, random);
        var noise = new double[model.Count][];
        for (var v = 0; v < model.Count; v++)
        {
            noise[v] = new double[rows];
            distributions[v].Samples(noise[v]);
        }
        var values = new double[model.Count][];
        var all = model.Graph.TopologicalOrder;
        Propagator.Propagate(model, all, noise, values!, rows);
        return new DataTable(model.Graph.Names, values);
    }

    public static string ToCsv(DataTable data)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', data.Names.Select(n => n.Contains(',') || n.Contains('"') ? "\"" + n.Replace("\"", "\"\"") + "\"" : n)).Append('\n');
        for (var r = 0; r < data.Rows; r++)
        {
            for (var c = 0; c < data.Columns.Count; c++)
            {
                if (c > 0) sb.Append(',');
                sb.Append(data.Columns[c][r].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
