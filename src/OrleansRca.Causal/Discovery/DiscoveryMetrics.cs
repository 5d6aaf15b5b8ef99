namespace OrleansRca.Causal.Discovery;

/// <summary>The usual scores of a discovered graph and target sets against the truth.</summary>
public static class DiscoveryMetrics
{
    /// <summary>
    /// Structural Hamming distance between two DAGs over the same node names: the node pairs that are
    /// adjacent in one graph only, plus the pairs adjacent in both with opposite directions (each counts 1).
    /// </summary>
    public static int StructuralHammingDistance(CausalGraph truth, CausalGraph found)
    {
        var a = DirectedEdges(truth);
        var b = DirectedEdges(found);
        var distance = 0;
        foreach (var (p, c) in a)
            if (!b.Contains((p, c))) distance++;
        foreach (var (p, c) in b)
            if (!a.Contains((p, c)) && !a.Contains((c, p))) distance++;
        return distance;
    }

    private static HashSet<(string, string)> DirectedEdges(CausalGraph g)
    {
        var set = new HashSet<(string, string)>();
        for (var c = 0; c < g.Count; c++)
            foreach (var p in g.Parents[c]) set.Add((g.Names[p], g.Names[c]));
        return set;
    }

    /// <summary>F1 of the (regime, node) target pairs; 1 when both are empty.</summary>
    public static double TargetF1(IReadOnlyList<IReadOnlyCollection<string>> truth, IReadOnlyList<IReadOnlyCollection<string>> found)
    {
        if (truth.Count != found.Count) throw new ArgumentException($"{truth.Count} true regimes but {found.Count} found");
        int tp = 0, fp = 0, fn = 0;
        for (var r = 0; r < truth.Count; r++)
        {
            tp += found[r].Count(truth[r].Contains);
            fp += found[r].Count(x => !truth[r].Contains(x));
            fn += truth[r].Count(x => !found[r].Contains(x));
        }
        return tp + fp + fn == 0 ? 1 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /// <summary>
    /// Area under the precision-recall curve of the target ranking (average precision): every (regime, node)
    /// pair ranked by its posterior probability, ties broken by regime then node; the measure BaCaDI and
    /// UT-IGSP publish. <paramref name="probabilities"/>[r][v] for regime r, node v.
    /// </summary>
    public static double TargetAuprc(IReadOnlyList<IReadOnlyCollection<int>> truth, IReadOnlyList<double[]> probabilities)
    {
        if (truth.Count != probabilities.Count) throw new ArgumentException($"{truth.Count} true regimes but {probabilities.Count} scored");
        var positives = truth.Sum(t => t.Count);
        if (positives == 0) return 1;
        var ranked = probabilities.SelectMany((row, r) => row.Select((p, v) => (P: p, Hit: truth[r].Contains(v))))
            .OrderByDescending(x => x.P).ToList();
        double hits = 0, area = 0;
        for (var k = 0; k < ranked.Count; k++)
        {
            if (!ranked[k].Hit) continue;
            hits++;
            area += hits / (k + 1) / positives;
        }
        return area;
    }
}
