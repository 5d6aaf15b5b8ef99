namespace OrleansRca.Causal.Discrete;

/// <summary>A mixture of interventions with known proportions, for tests and evaluations.</summary>
/// <param name="PiPhi">Weight of the unintervened network.</param>
/// <param name="Pi">Weight of each do(X_i = a), network-wide state numbering.</param>
/// <param name="LeftOut">Per node, the state assumption 1 keeps out of the mixture.</param>
/// <param name="Marginals">The exact mixture marginals, network-wide state numbering.</param>
public sealed record GeneratedMixture(double PiPhi, double[] Pi, int[] LeftOut, double[] Marginals);

/// <summary>Seeded random mixtures of interventions (the ALARM protocol of Sinha et al. 2020, section 5.1).</summary>
public static class MixtureGenerator
{
    /// <summary>
    /// Draws a mixture: a random left-out state per node (assumption 1), <paramref name="interventions"/>
    /// distinct (node, state) pairs among the others, and positive proportions (normalised exponential
    /// draws) summing to 1 - <paramref name="piPhi"/>. With no interventions pi_phi is 1. A state the network
    /// never takes (probability 0) is kept out of the left-out draw and always intervened on, because
    /// otherwise theorem 1 cannot identify that node (see <see cref="MixtureSolver"/>).
    /// </summary>
    public static GeneratedMixture Random(InterventionalMarginals oracle, int interventions, int seed, double piPhi = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(interventions);
        if (piPhi is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(piPhi));
        var net = oracle.Network;
        var rng = new Random(seed);
        var leftOut = new int[net.Count];
        var forced = new List<int>();
        var candidates = new List<int>();
        foreach (var v in net.Variables)
        {
            var a = oracle.Base(v.Index).ToArray();
            var possible = Enumerable.Range(0, v.Cardinality).Where(k => a[k] > 1e-12).ToArray();
            leftOut[v.Index] = possible[rng.Next(possible.Length)];
            for (var k = 0; k < v.Cardinality; k++)
            {
                if (k == leftOut[v.Index]) continue;
                (a[k] > 1e-12 ? candidates : forced).Add(v.StateOffset + k);
            }
        }
        if (interventions == 0 && forced.Count == 0)
            return new GeneratedMixture(1.0, new double[net.StateCount], leftOut, oracle.BaseAll.ToArray());

        // Partial Fisher-Yates: the first picks are a uniform sample without replacement.
        var count = Math.Min(Math.Max(interventions - forced.Count, 0), candidates.Count);
        for (var t = 0; t < count; t++)
        {
            var u = t + rng.Next(candidates.Count - t);
            (candidates[t], candidates[u]) = (candidates[u], candidates[t]);
        }
        var chosen = forced.Concat(candidates.Take(count)).ToArray();
        var weights = chosen.Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray();
        var scale = (1 - piPhi) / weights.Sum();
        var pi = new double[net.StateCount];
        for (var t = 0; t < chosen.Length; t++) pi[chosen[t]] = weights[t] * scale;
        return new GeneratedMixture(piPhi, pi, leftOut, oracle.Mix(piPhi, pi));
    }

    /// <summary>
    /// Estimates the mixture's marginals from <paramref name="samples"/> ancestral samples (each row: pick
    /// a component, then sample the network under that intervention). Returns frequencies in the
    /// network-wide state numbering. CPT rows are renormalised for sampling.
    /// </summary>
    public static double[] Sample(BayesianNetwork network, double piPhi, ReadOnlySpan<double> pi, long samples, int seed)
    {
        var counts = new long[network.StateCount];
        ForEachRow(network, piPhi, pi, samples, seed, state =>
        {
            for (var j = 0; j < state.Length; j++) counts[network.Variables[j].StateOffset + state[j]]++;
        });
        return counts.Select(n => (double)n / samples).ToArray();
    }

    /// <summary>
    /// The ancestral sampler behind <see cref="Sample"/> and <see cref="MixtureEm.SampleRows"/>: per row, pick a
    /// component, then draw every node in topological order (the intervened node takes its state). The state
    /// buffer handed to <paramref name="onRow"/> is reused for the next row.
    /// </summary>
    internal static void ForEachRow(BayesianNetwork network, double piPhi, ReadOnlySpan<double> pi, long samples, int seed, Action<int[]> onRow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var rng = new Random(seed);
        var components = new List<(int Global, double Weight)> { (-1, piPhi) };
        for (var g = 0; g < pi.Length; g++) if (pi[g] > 0) components.Add((g, pi[g]));
        var cumulative = new double[components.Count];
        var acc = 0.0;
        for (var c = 0; c < components.Count; c++) cumulative[c] = acc += components[c].Weight;

        var order = network.TopologicalOrder;
        var state = new int[network.Count];
        for (var row = 0L; row < samples; row++)
        {
            var u = rng.NextDouble() * acc;
            var c = Array.BinarySearch(cumulative, u);
            if (c < 0) c = ~c;
            c = Math.Min(c, components.Count - 1);
            var (doNode, doState) = components[c].Global < 0 ? (-1, -1) : network.FromGlobal(components[c].Global);
            foreach (var j in order)
            {
                var v = network.Variables[j];
                if (j == doNode)
                {
                    state[j] = doState;
                    continue;
                }
                var r = 0;
                foreach (var p in v.ParentIndices) r = r * network.Variables[p].Cardinality + state[p];
                var cpt = v.RawCpt.AsSpan(r * v.Cardinality, v.Cardinality);
                var total = 0.0;
                foreach (var p in cpt) total += p;
                var draw = rng.NextDouble() * total;
                var k = 0;
                while (k < cpt.Length - 1 && (draw -= cpt[k]) >= 0) k++;
                state[j] = k;
            }
            onRow(state);
        }
    }
}

/// <summary>Seeded random discrete networks (for scaling benchmarks and tests).</summary>
public static class NetworkGenerator
{
    /// <summary>
    /// A random DAG on <paramref name="nodes"/> nodes in topological order; each node draws up to
    /// <paramref name="maxParents"/> parents among the previous <paramref name="window"/> nodes (the window
    /// bounds the treewidth, as in real networks, so exact inference stays feasible), a cardinality in
    /// [<paramref name="minStates"/>, <paramref name="maxStates"/>] and CPT rows from a flat Dirichlet.
    /// </summary>
    public static BayesianNetwork Random(int nodes, int seed, int minStates = 2, int maxStates = 5, int maxParents = 3, int window = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minStates, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStates, minStates);
        var rng = new Random(seed);
        var cards = new int[nodes];
        var specs = new List<VariableSpec>(nodes);
        for (var i = 0; i < nodes; i++)
        {
            cards[i] = rng.Next(minStates, maxStates + 1);
            var pool = Enumerable.Range(Math.Max(0, i - window), Math.Min(i, window)).ToList();
            var count = Math.Min(pool.Count, rng.Next(0, maxParents + 1));
            var parents = new List<int>();
            for (var t = 0; t < count; t++)
            {
                var u = rng.Next(pool.Count);
                parents.Add(pool[u]);
                pool.RemoveAt(u);
            }
            parents.Sort();
            var rows = parents.Aggregate(1, (acc, p) => acc * cards[p]);
            var cpt = new double[rows * cards[i]];
            for (var r = 0; r < rows; r++)
            {
                var sum = 0.0;
                for (var k = 0; k < cards[i]; k++) sum += cpt[r * cards[i] + k] = -Math.Log(1 - rng.NextDouble()) + 1e-3;
                for (var k = 0; k < cards[i]; k++) cpt[r * cards[i] + k] /= sum;
            }
            specs.Add(new VariableSpec(
                $"X{i}",
                Enumerable.Range(0, cards[i]).Select(k => $"s{k}").ToArray(),
                parents.Select(p => $"X{p}").ToArray(),
                cpt));
        }
        return BayesianNetwork.Create($"random-{nodes}-{seed}", specs);
    }
}
