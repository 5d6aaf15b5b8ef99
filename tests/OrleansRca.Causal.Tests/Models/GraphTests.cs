namespace OrleansRca.Causal.Tests.Models;

public sealed class GraphTests
{
    private static readonly CausalGraph G = CausalGraph.Create(["a", "b", "c", "d", "e"],
        [("a", "b"), ("b", "c"), ("a", "d"), ("d", "c"), ("e", "d")]);

    [Fact]
    public void TopologicalOrderRespectsEveryEdge()
    {
        for (var c = 0; c < G.Count; c++)
            foreach (var p in G.Parents[c])
                Assert.True(G.TopologicalRank[p] < G.TopologicalRank[c]);
        Assert.Equal([0, 1, 4, 3, 2], G.TopologicalOrder);
    }

    [Fact]
    public void DescendantsAndAncestors()
    {
        Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, 5).Where(v => G.Descendants([0])[v]));
        Assert.Equal([0, 1, 2], Enumerable.Range(0, 5).Where(v => G.Descendants([0], new HashSet<int> { 3 })[v]));
        Assert.Equal([0, 3, 4], Enumerable.Range(0, 5).Where(v => G.Ancestors([3])[v]));
    }

    [Fact]
    public void LevelsGroupIndependentNodes() =>
        Assert.Equal([[0, 4], [1, 3], [2]], G.Levels());

    [Fact]
    public void LongCycleIsNamed()
    {
        var e = Assert.Throws<InputException>(() => CausalGraph.Create(["x", "a", "b", "c"], [("x", "a"), ("a", "b"), ("b", "c"), ("c", "a")]));
        Assert.Contains("a -> b -> c -> a", e.Message);
    }
}
