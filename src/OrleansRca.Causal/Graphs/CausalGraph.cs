namespace OrleansRca.Causal.Graphs;

/// <summary>
/// A validated DAG over named nodes. Nodes are addressed by index (their position in the model
/// file); <see cref="TopologicalOrder"/> is stable (ties broken by index) so results are reproducible.
/// </summary>
public sealed class CausalGraph
{
    private readonly Dictionary<string, int> _index;

    public IReadOnlyList<string> Names { get; }
    /// <summary>Parents of each node, in the order the edges were given.</summary>
    public IReadOnlyList<int[]> Parents { get; }
    public IReadOnlyList<int[]> Children { get; }
    public int[] TopologicalOrder { get; }
    /// <summary>Position of each node in <see cref="TopologicalOrder"/>.</summary>
    public int[] TopologicalRank { get; }
    public int Count => Names.Count;
    public int EdgeCount { get; }

    private CausalGraph(IReadOnlyList<string> names, Dictionary<string, int> index, int[][] parents, int[][] children, int[] order, int edgeCount)
    {
        Names = names;
        _index = index;
        Parents = parents;
        Children = children;
        TopologicalOrder = order;
        TopologicalRank = new int[names.Count];
        for (var i = 0; i < order.Length; i++) TopologicalRank[order[i]] = i;
        EdgeCount = edgeCount;
    }

    /// <summary>Builds and validates: duplicate or empty names, unknown nodes, self-loops, duplicate edges and cycles are errors naming the nodes.</summary>
    public static CausalGraph Create(IReadOnlyList<string> names, IEnumerable<(string Parent, string Child)> edges)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
                throw new InputException($"node {i} has an empty name");
            if (!index.TryAdd(names[i], i))
                throw new InputException($"duplicate node '{names[i]}'");
        }

        var parents = new List<int>[names.Count];
        var children = new List<int>[names.Count];
        for (var i = 0; i < names.Count; i++) { parents[i] = []; children[i] = []; }
        var seen = new HashSet<(int, int)>();
        var edgeCount = 0;
        foreach (var (parent, child) in edges)
        {
            if (!index.TryGetValue(parent, out var p))
                throw new InputException($"edge [{parent}, {child}] names an unknown node '{parent}'");
            if (!index.TryGetValue(child, out var c))
                throw new InputException($"edge [{parent}, {child}] names an unknown node '{child}'");
            if (p == c)
                throw new InputException($"self-loop on node '{parent}'");
            if (!seen.Add((p, c)))
                throw new InputException($"duplicate edge [{parent}, {child}]");
            parents[c].Add(p);
            children[p].Add(c);
            edgeCount++;
        }

        var order = SortTopologically(names, parents, children);
        return new CausalGraph(names, index, parents.Select(l => l.ToArray()).ToArray(), children.Select(l => l.ToArray()).ToArray(), order, edgeCount);
    }

    // Kahn's algorithm with a min-heap on the index: deterministic order, and on failure the
    // remaining nodes contain a cycle that we extract and name.
    private static int[] SortTopologically(IReadOnlyList<string> names, List<int>[] parents, List<int>[] children)
    {
        var n = names.Count;
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
        throw new InputException($"the graph has a cycle: {string.Join(" -> ", cycle)}");
    }

    public bool TryGetIndex(string name, out int index) => _index.TryGetValue(name, out index);

    public int IndexOf(string name) =>
        _index.TryGetValue(name, out var i) ? i : throw new InputException($"unknown node '{name}'");

    public bool IsRoot(int node) => Parents[node].Length == 0;

    /// <summary>All nodes reachable from <paramref name="sources"/> along edges (including the sources), not entering <paramref name="blocked"/>.</summary>
    public bool[] Descendants(IEnumerable<int> sources, ISet<int>? blocked = null) => Reach(sources, Children, blocked);

    /// <summary>All nodes from which <paramref name="targets"/> can be reached (including the targets), not passing through <paramref name="blocked"/>.</summary>
    public bool[] Ancestors(IEnumerable<int> targets, ISet<int>? blocked = null) => Reach(targets, Parents, blocked);

    private bool[] Reach(IEnumerable<int> starts, IReadOnlyList<int[]> next, ISet<int>? blocked)
    {
        var mark = new bool[Count];
        var stack = new Stack<int>();
        foreach (var s in starts) if (!mark[s]) { mark[s] = true; stack.Push(s); }
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            foreach (var w in next[v])
            {
                if (mark[w] || (blocked is not null && blocked.Contains(w))) continue;
                mark[w] = true;
                stack.Push(w);
            }
        }
        return mark;
    }

    /// <summary>The marked nodes in topological order: a subgraph cut ready for propagation.</summary>
    public int[] InTopologicalOrder(bool[] mark) => TopologicalOrder.Where(v => mark[v]).ToArray();

    /// <summary>Nodes grouped by longest distance from a root: each level depends only on earlier levels.</summary>
    public int[][] Levels()
    {
        var level = new int[Count];
        foreach (var v in TopologicalOrder)
            foreach (var p in Parents[v])
                level[v] = Math.Max(level[v], level[p] + 1);
        return TopologicalOrder.GroupBy(v => level[v]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
    }
}
