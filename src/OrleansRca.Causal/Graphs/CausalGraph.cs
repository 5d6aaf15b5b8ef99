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

        var order = Dag.TopologicalOrder(parents, children, names, "graph");
        return new CausalGraph(names, index, parents.Select(l => l.ToArray()).ToArray(), children.Select(l => l.ToArray()).ToArray(), order, edgeCount);
    }

    public bool TryGetIndex(string name, out int index) => _index.TryGetValue(name, out index);

    public int IndexOf(string name) =>
        _index.TryGetValue(name, out var i) ? i : throw new InputException($"unknown node '{name}'");

    public bool IsRoot(int node) => Parents[node].Length == 0;

    /// <summary>All nodes reachable from <paramref name="sources"/> along edges (including the sources), not entering <paramref name="blocked"/>.</summary>
    public bool[] Descendants(IEnumerable<int> sources, ISet<int>? blocked = null) => Dag.Reach(sources, Children, blocked is null ? null : blocked.Contains);

    /// <summary>All nodes from which <paramref name="targets"/> can be reached (including the targets), not passing through <paramref name="blocked"/>.</summary>
    public bool[] Ancestors(IEnumerable<int> targets, ISet<int>? blocked = null) => Dag.Reach(targets, Parents, blocked is null ? null : blocked.Contains);

    /// <summary>The marked nodes in topological order: a subgraph cut ready for propagation.</summary>
    public int[] InTopologicalOrder(bool[] mark) => TopologicalOrder.Where(v => mark[v]).ToArray();

    /// <summary>Nodes grouped by longest distance from a root: each level depends only on earlier levels.</summary>
    public int[][] Levels() => Dag.Levels(TopologicalOrder, Parents);
}
