namespace OrleansRca.Causal.Mediation;

/// <summary>
/// The closed form for linear mechanisms: with additive noise, a counterfactual change at a
/// source moves every downstream node by (sum over directed paths of weight products) × change,
/// the noise cancelling. So a unit's effect is a path coefficient times its treatment delta.
/// </summary>
public static class LinearPaths
{
    /// <summary>
    /// d(node)/d(source) for every node with <paramref name="blocked"/> nodes held fixed, or NaN for
    /// nodes the change reaches through a mechanism that is not linear (the closed form does not apply there).
    /// </summary>
    public static double[] Coefficients(CausalModel model, int source, ISet<int> blocked)
    {
        var g = model.Graph;
        var d = new double[g.Count];
        d[source] = 1;
        for (var r = g.TopologicalRank[source] + 1; r < g.Count; r++)
        {
            var v = g.TopologicalOrder[r];
            if (blocked.Contains(v)) continue;
            var parents = g.Parents[v];
            var moved = false;
            foreach (var p in parents) moved |= d[p] != 0;
            if (!moved) continue;
            if (model.Mechanisms[v] is not LinearMechanism lin) { d[v] = double.NaN; continue; }
            var sum = 0.0;
            for (var k = 0; k < parents.Length; k++)
                if (d[parents[k]] != 0) sum += lin.Weights[k] * d[parents[k]];
            d[v] = sum;
        }
        return d;
    }
}
