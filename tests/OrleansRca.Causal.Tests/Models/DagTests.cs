namespace OrleansRca.Causal.Tests.Models;

/// <summary>
/// The one home of the graph algorithms against brute force on random DAGs: reachability against the transitive
/// closure (Warshall), levels against the longest path found by relaxing every edge n times.
/// </summary>
public sealed class DagTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Order_levels_and_reach_agree_with_brute_force(int seed)
    {
        var random = new Random(seed);
        const int n = 14;
        // Edges only from a lower to a higher position of a random permutation: a DAG whose indices are not sorted.
        var perm = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
        var parents = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        var children = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        var reach = new bool[n, n];
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                if (random.NextDouble() < 0.2)
                {
                    parents[perm[j]].Add(perm[i]);
                    children[perm[i]].Add(perm[j]);
                    reach[perm[i], perm[j]] = true;
                }
        for (var k = 0; k < n; k++)
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                    reach[i, j] |= reach[i, k] && reach[k, j];
        var longest = new int[n];
        for (var round = 0; round < n; round++)
            for (var c = 0; c < n; c++)
                foreach (var p in parents[c]) longest[c] = Math.Max(longest[c], longest[p] + 1);

        var order = Dag.TopologicalOrder(parents, children, [.. Enumerable.Range(0, n).Select(i => $"v{i}")], "graph");
        var rank = new int[n];
        for (var r = 0; r < n; r++) rank[order[r]] = r;
        Assert.Equal(Enumerable.Range(0, n), order.Order());
        for (var c = 0; c < n; c++) Assert.All(parents[c], p => Assert.True(rank[p] < rank[c]));

        var levels = Dag.Levels(order, parents);
        for (var l = 0; l < levels.Length; l++) Assert.All(levels[l], v => Assert.Equal(longest[v], l));
        Assert.Equal(n, levels.Sum(l => l.Length));

        for (var v = 0; v < n; v++)
        {
            Assert.Equal(Enumerable.Range(0, n).Where(u => reach[v, u]), Dag.Strict(v, children));
            Assert.Equal(Enumerable.Range(0, n).Where(u => reach[u, v]), Dag.Strict(v, parents));
            var down = Dag.Reach([v], children);
            for (var u = 0; u < n; u++) Assert.Equal(u == v || reach[v, u], down[u]);
        }
    }

    [Fact]
    public void Both_model_kinds_name_a_cycle_from_its_lowest_node()
    {
        var graph = Assert.Throws<InputException>(() => CausalGraph.Create(["a", "b", "c"], [("b", "c"), ("c", "a"), ("a", "b")]));
        Assert.Equal("the graph has a cycle: a -> b -> c -> a", graph.Message);

        var network = Assert.Throws<InputException>(() => BayesianNetwork.Create("loop",
        [
            new VariableSpec("a", ["0", "1"], ["b"], [0.5, 0.5, 0.5, 0.5]),
            new VariableSpec("b", ["0", "1"], ["a"], [0.5, 0.5, 0.5, 0.5]),
        ]));
        Assert.Equal("the network has a cycle: a -> b -> a", network.Message);
    }
}
