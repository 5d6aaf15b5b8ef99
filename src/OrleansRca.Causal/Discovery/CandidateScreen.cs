namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Restricts each node's parent candidates before the search: forward stepwise regression of the node
/// on all others (BIC with half the penalty, so the screen errs towards keeping), on correlations pooled
/// within regimes, estimates its Markov blanket (parents, children, the children's other parents); the
/// candidates are that blanket plus every node whose blanket holds it. The search then scores only
/// parent sets drawn from these, which is what makes 200 nodes take seconds.
/// </summary>
internal static class CandidateScreen
{
    private const double ScreenPenaltyShare = 0.05;

    /// <summary>Node j's estimated Markov blanket, in the order chosen (the per-node half of the screen).</summary>
    public static int[] Screen(RegimeStatistics stats, double[] correlation, DiscoveryOptions options, int j) =>
        [.. Forward(correlation, stats.Nodes, j, stats.TotalRows, Math.Min(options.MaxCandidates, stats.Nodes - 1), options.Penalty * ScreenPenaltyShare)];

    /// <summary>The candidates from every node's screen: its own blanket, then the nodes whose blanket holds it, then knowledge that must stay.</summary>
    public static int[][] Assemble(RegimeStatistics stats, double[] correlation, DiscoveryOptions options, IReadOnlyList<int[]> selected, Func<int, int, bool> mustKeep)
    {
        var p = stats.Nodes;
        var chosenBy = Enumerable.Range(0, p).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < p; i++)
            foreach (var j in selected[i]) chosenBy[j].Add(i);
        var candidates = new int[p][];
        for (var j = 0; j < p; j++)
        {
            var list = new List<int>(selected[j]);
            foreach (var i in chosenBy[j].Where(i => !list.Contains(i)).OrderByDescending(i => Math.Abs(correlation[i * p + j])).ThenBy(i => i))
                list.Add(i);
            // A parent often ranks low in its child's own screen but high in its own: keep those picks too, up to twice the screen.
            var cap = 2 * options.MaxCandidates;
            if (list.Count > cap) list.RemoveRange(cap, list.Count - cap);
            for (var i = 0; i < p; i++)
                if (i != j && mustKeep(i, j) && !list.Contains(i)) list.Add(i);
            if (list.Count > 60) throw new InputException($"node '{stats.Names[j]}' has {list.Count} required neighbours; at most 60 are supported");
            candidates[j] = [.. list];
        }
        return candidates;
    }

    // Greedy forward selection by partial correlation: Gram-Schmidt on the correlation matrix keeps,
    // for every other node c, cov(c, j | chosen) and var(c | chosen), so each step costs O(p · chosen).
    private static List<int> Forward(double[] corr, int p, int j, int rows, int steps, double penalty)
    {
        var chosen = new List<int>();
        var w = new List<double[]>();
        var covJ = new double[p];
        var varC = new double[p];
        for (var c = 0; c < p; c++) { covJ[c] = corr[c * p + j]; varC[c] = 1; }
        var rss = 1.0;
        var taken = new bool[p];
        taken[j] = true;
        for (var step = 0; step < steps; step++)
        {
            var best = -1;
            var bestReduction = 0.0;
            for (var c = 0; c < p; c++)
            {
                if (taken[c] || varC[c] < 1e-8) continue;
                var reduction = covJ[c] * covJ[c] / varC[c];
                if (reduction > bestReduction) { bestReduction = reduction; best = c; }
            }
            if (best < 0 || bestReduction >= rss) break;
            var gain = 0.5 * rows * Math.Log(rss / (rss - bestReduction)) - 0.5 * penalty * Math.Log(rows);
            if (gain <= 0) break;

            var u = new double[p];
            for (var c = 0; c < p; c++)
            {
                var value = corr[c * p + best];
                foreach (var wb in w) value -= wb[c] * wb[best];
                u[c] = value;
            }
            var norm = Math.Sqrt(varC[best]);
            var wa = new double[p];
            for (var c = 0; c < p; c++) wa[c] = u[c] / norm;
            var covAJ = covJ[best];
            for (var c = 0; c < p; c++)
            {
                covJ[c] -= wa[c] * covAJ / norm;
                varC[c] -= wa[c] * wa[c];
            }
            rss -= bestReduction;
            w.Add(wa);
            taken[best] = true;
            chosen.Add(best);
        }
        return chosen;
    }
}
