namespace OrleansRca.Causal.Tests.Discrete;

/// <summary>
/// Interventional marginals straight from the definition, by enumerating joint configurations; no code of
/// the engine is used beyond reading the network's tables.
/// </summary>
internal static class BruteForce
{
    /// <summary>
    /// P(X_j | do(X_i = a)) for every j by enumerating the full joint of the truncated factorisation
    /// prod_{k != i} P(x_k | pa_k) [x_i = a] (i = -1: no intervention), each marginal normalised.
    /// </summary>
    public static double[][] FullJoint(BayesianNetwork net, int i, int a)
    {
        var n = net.Count;
        var result = net.Variables.Select(v => new double[v.Cardinality]).ToArray();
        var x = new int[n];
        foreach (var p in Configurations(net, Enumerable.Range(0, n).ToArray(), x))
        {
            if (i >= 0 && x[i] != a) continue;
            var prob = 1.0;
            for (var k = 0; k < n && prob != 0; k++)
                if (k != i) prob *= Cpt(net, k, x);
            for (var k = 0; k < n; k++) result[k][x[k]] += prob;
        }
        foreach (var r in result) Normalise(r);
        return result;
    }

    /// <summary>
    /// pgmpy's convention, from its definition: for each query j, sum over the ancestral set of j in the
    /// mutilated graph of the product of the raw (unnormalised) CPT entries, then normalise.
    /// </summary>
    public static double[][] PgmpyConvention(BayesianNetwork net, int i, int a)
    {
        var result = new double[net.Count][];
        for (var j = 0; j < net.Count; j++)
        {
            var set = Ancestral(net, j, i);
            var x = new int[net.Count];
            var m = new double[net.Variables[j].Cardinality];
            foreach (var _ in Configurations(net, set, x))
            {
                if (i >= 0 && set.Contains(i) && x[i] != a) continue;
                var prob = 1.0;
                foreach (var k in set)
                    if (k != i) prob *= Cpt(net, k, x);
                m[x[j]] += prob;
            }
            Normalise(m);
            result[j] = m;
        }
        return result;
    }

    private static int[] Ancestral(BayesianNetwork net, int j, int i)
    {
        var seen = new HashSet<int> { j };
        var stack = new Stack<int>([j]);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (v == i) continue;
            foreach (var p in net.Variables[v].Parents)
                if (seen.Add(p)) stack.Push(p);
        }
        return [.. seen.Order()];
    }

    private static double Cpt(BayesianNetwork net, int k, int[] x)
    {
        var v = net.Variables[k];
        var row = 0;
        foreach (var p in v.Parents) row = row * net.Variables[p].Cardinality + x[p];
        return v.Cpt[row * v.Cardinality + x[k]];
    }

    /// <summary>Enumerates every assignment of the given variables into <paramref name="x"/>.</summary>
    private static IEnumerable<int> Configurations(BayesianNetwork net, int[] vars, int[] x)
    {
        foreach (var v in vars) x[v] = 0;
        while (true)
        {
            yield return 0;
            var t = vars.Length - 1;
            while (t >= 0 && ++x[vars[t]] == net.Variables[vars[t]].Cardinality)
            {
                x[vars[t]] = 0;
                t--;
            }
            if (t < 0) yield break;
        }
    }

    private static void Normalise(double[] r)
    {
        var s = r.Sum();
        for (var k = 0; k < r.Length; k++) r[k] /= s;
    }
}
