namespace OrleansRca.Causal.Graphs;

/// <summary>
/// The graph algorithms every model shares, on nodes 0..n-1 given by their parent and child lists: the continuous
/// models' <see cref="CausalGraph"/> and the discrete <c>BayesianNetwork</c> (with its solvers) both call these.
/// </summary>
public static class Dag
{
    /// <summary>
    /// Kahn's algorithm taking the lowest index first, so the order is reproducible. On a cycle, an
    /// <see cref="InputException"/> names one (starting at its lowest index): "the <paramref name="what"/> has a cycle: a -> b -> a".
    /// </summary>
    public static int[] TopologicalOrder(IReadOnlyList<IReadOnlyList<int>> parents, IReadOnlyList<IReadOnlyList<int>> children,
        IReadOnlyList<string> names, string what)
    {
        var n = parents.Count;
        var inDegree = new int[n];
        for (var i = 0; i < n; i++) inDegree[i] = parents[i].Count;
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < n; i++) if (inDegree[i] == 0) ready.Enqueue(i, i);
        var order = new List<int>(n);
        while (ready.TryDequeue(out var v, out _))
        {
            order.Add(v);
            foreach (var c in children[v])
                if (--inDegree[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count == n) return [.. order];

        // Walk parents among the unsorted nodes until a node repeats: that walk is a cycle.
        var start = Enumerable.Range(0, n).First(i => inDegree[i] > 0);
        var path = new List<int>();
        var position = new Dictionary<int, int>();
        var current = start;
        while (!position.ContainsKey(current))
        {
            position[current] = path.Count;
            path.Add(current);
            current = parents[current].First(p => inDegree[p] > 0);
        }
        var loop = path.Skip(position[current]).Reverse().ToList();
        // Start at the lowest-index node so the message is the same however the walk began.
        var first = loop.IndexOf(loop.Min());
        var cycle = loop.Skip(first).Concat(loop.Take(first)).Select(i => names[i]).ToList();
        cycle.Add(cycle[0]);
        throw new InputException($"the {what} has a cycle: {string.Join(" -> ", cycle)}");
    }

    /// <summary>
    /// Nodes by longest distance from a root: level 0 holds the roots, and every parent sits in an earlier level,
    /// so each level depends only on earlier ones. Each level lists its nodes in <paramref name="order"/>'s order.
    /// </summary>
    public static int[][] Levels(IReadOnlyList<int> order, IReadOnlyList<IReadOnlyList<int>> parents)
    {
        var level = new int[parents.Count];
        foreach (var v in order)
            foreach (var p in parents[v])
                level[v] = Math.Max(level[v], level[p] + 1);
        return order.GroupBy(v => level[v]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
    }

    /// <summary>
    /// Marks every node reachable from <paramref name="starts"/> along <paramref name="next"/> (children: descendants;
    /// parents: ancestors), the starts included, never entering a node of <paramref name="blocked"/>.
    /// </summary>
    public static bool[] Reach(IEnumerable<int> starts, IReadOnlyList<IReadOnlyList<int>> next, Func<int, bool>? blocked = null)
    {
        var mark = new bool[next.Count];
        var stack = new Stack<int>();
        foreach (var s in starts) if (!mark[s]) { mark[s] = true; stack.Push(s); }
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            foreach (var w in next[v])
            {
                if (mark[w] || (blocked is not null && blocked(w))) continue;
                mark[w] = true;
                stack.Push(w);
            }
        }
        return mark;
    }

    /// <summary>The strict ancestors (<paramref name="next"/> = parents) or descendants (children) of one node, ascending.</summary>
    public static int[] Strict(int node, IReadOnlyList<IReadOnlyList<int>> next)
    {
        var mark = Reach(next[node], next);
        return Enumerable.Range(0, next.Count).Where(i => mark[i] && i != node).ToArray();
    }
}
