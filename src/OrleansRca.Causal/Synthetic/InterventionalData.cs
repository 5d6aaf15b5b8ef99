using System.Text.Json.Nodes;
using MathNet.Numerics.Random;

namespace OrleansRca.Causal.Synthetic;

/// <summary>How a regime changes its targets: a shifted mechanism (soft) or a mechanism replaced by a draw independent of the parents (hard).</summary>
public enum RegimeChange { Shift, Hard, Mixed }

/// <summary>A random linear-Gaussian benchmark: an Erdős–Rényi DAG, observational rows and regimes with hidden targets.</summary>
public sealed record InterventionalSetting
{
    public int Nodes { get; init; } = 20;
    public double ExpectedEdges { get; init; } = 40;
    public int ObservationalRows { get; init; } = 100;
    public int Regimes { get; init; } = 10;
    public int RowsPerRegime { get; init; } = 10;
    public int MinTargets { get; init; } = 1;
    public int MaxTargets { get; init; } = 2;
    public RegimeChange Kind { get; init; } = RegimeChange.Mixed;
    /// <summary>Edge weights are ±U[MinWeight, MaxWeight].</summary>
    public double MinWeight { get; init; } = 0.5;
    public double MaxWeight { get; init; } = 2.0;
    /// <summary>Noise standard deviations are U[MinNoise, MaxNoise] per node.</summary>
    public double MinNoise { get; init; } = 0.5;
    public double MaxNoise { get; init; } = 1.5;
    /// <summary>A shift adds, and a hard intervention centres its draw on, ±U[MinShift, MaxShift] noise standard deviations.</summary>
    public double MinShift { get; init; } = 2.0;
    public double MaxShift { get; init; } = 4.0;
}

/// <summary>The truth and the data of one benchmark instance; <see cref="Data"/>[0] is observational, <see cref="Targets"/>[r] are regime r+1's targets.</summary>
public sealed record InterventionalInstance(CausalModel Truth, IReadOnlyList<DataTable> Data, IReadOnlyList<int[]> Targets)
{
    public IReadOnlyList<string> Sources => Enumerable.Range(0, Data.Count).Select(r => r == 0 ? "observational" : $"regime{r}").ToList();
}

public static class InterventionalData
{
    /// <summary>Draws an instance; the same seed gives the same instance on every machine.</summary>
    public static InterventionalInstance Generate(InterventionalSetting setting, int seed)
    {
        var n = setting.Nodes;
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var names = Enumerable.Range(0, n).Select(i => $"X{i}").ToArray();
        // A hidden causal order: node names carry no hint of it.
        var order = Enumerable.Range(0, n).OrderBy(_ => random.NextDouble()).ToArray();
        var pairs = n * (n - 1) / 2.0;
        var density = Math.Min(1, setting.ExpectedEdges / pairs);
        var edges = new List<(string, string)>();
        var weights = new Dictionary<(int, int), double>();
        for (var a = 0; a < n; a++)
            for (var b = a + 1; b < n; b++)
                if (random.NextDouble() < density)
                {
                    edges.Add((names[order[a]], names[order[b]]));
                    weights[(order[a], order[b])] = Signed(random, setting.MinWeight, setting.MaxWeight);
                }
        var graph = CausalGraph.Create(names, edges);
        var mechanisms = new Mechanism?[n];
        for (var v = 0; v < n; v++)
            if (!graph.IsRoot(v)) mechanisms[v] = new LinearMechanism(0, graph.Parents[v].Select(q => weights[(q, v)]).ToArray());
        var nodes = names.Select(x => new NodeSpec(x, NodeRole.Covariate, NodeType.Continuous, true)).ToList();
        var truth = new CausalModel("synthetic", graph, nodes, mechanisms);
        var sd = Enumerable.Range(0, n).Select(_ => setting.MinNoise + (setting.MaxNoise - setting.MinNoise) * random.NextDouble()).ToArray();

        JsonObject Noise(IReadOnlyDictionary<int, double>? means = null)
        {
            var noise = new JsonObject();
            for (var v = 0; v < n; v++)
                noise[names[v]] = new JsonObject { ["distribution"] = "normal", ["mean"] = means is not null && means.TryGetValue(v, out var m) ? m : 0.0, ["sd"] = sd[v] };
            return noise;
        }

        var data = new List<DataTable> { SyntheticData.Generate(truth, Noise(), setting.ObservationalRows, random.Next()) };
        var targets = new List<int[]>();
        for (var r = 0; r < setting.Regimes; r++)
        {
            var count = random.Next(setting.MinTargets, setting.MaxTargets + 1);
            var chosen = Enumerable.Range(0, n).OrderBy(_ => random.NextDouble()).Take(count).OrderBy(v => v).ToArray();
            var changed = mechanisms.ToArray();
            var means = new Dictionary<int, double>();
            foreach (var t in chosen)
            {
                var hard = setting.Kind == RegimeChange.Hard || (setting.Kind == RegimeChange.Mixed && random.NextDouble() < 0.5);
                means[t] = Signed(random, setting.MinShift, setting.MaxShift) * sd[t];
                // Hard: the parents no longer count; the node is its own (shifted) noise.
                if (hard && !graph.IsRoot(t)) changed[t] = new LinearMechanism(0, new double[graph.Parents[t].Length]);
            }
            data.Add(SyntheticData.Generate(truth.WithMechanisms(changed), Noise(means), setting.RowsPerRegime, random.Next()));
            targets.Add(chosen);
        }
        return new InterventionalInstance(truth, data, targets);
    }

    private static double Signed(System.Random random, double low, double high) =>
        (random.NextDouble() < 0.5 ? -1 : 1) * (low + (high - low) * random.NextDouble());
}
