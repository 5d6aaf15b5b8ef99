namespace OrleansRca.Causal.Tests.Discovery;

/// <summary>Bad input gets a message naming the problem; background knowledge is obeyed.</summary>
public sealed class DiscoveryInputTests
{
    private static readonly InterventionalInstance Instance =
        InterventionalData.Generate(new InterventionalSetting { Nodes = 8, ExpectedEdges = 10, ObservationalRows = 300, Regimes = 3, RowsPerRegime = 50 }, 9);

    private static string Fails(IReadOnlyList<DataTable> data, DiscoveryOptions? options = null) =>
        Assert.Throws<InputException>(() => CausalDiscovery.Discover(data, data.Select((_, i) => $"file{i}.csv").ToList(), options)).Message;

    private static DataTable Without(DataTable t, string column) =>
        new(t.Names.Where(n => n != column).ToList(), t.Names.Where(n => n != column).Select(n => t[n]).ToList());

    [Fact]
    public void RegimesWithDifferentColumns()
    {
        var message = Fails([Instance.Data[0], Without(Instance.Data[1], "X3")]);
        Assert.Contains("file1.csv lacks column(s) 'X3'", message);
        message = Fails([Without(Instance.Data[0], "X3"), Instance.Data[1]]);
        Assert.Contains("file1.csv has column(s) 'X3' that file0.csv lacks", message);
    }

    [Fact]
    public void ConstantColumn()
    {
        var obs = Instance.Data[0];
        var constant = new DataTable(obs.Names, obs.Names.Select(n => n == "X2" ? Enumerable.Repeat(1.5, obs.Rows).ToArray() : obs[n]).ToList());
        var regime = Instance.Data[1];
        var constantRegime = new DataTable(regime.Names, regime.Names.Select(n => n == "X2" ? Enumerable.Repeat(1.5, regime.Rows).ToArray() : regime[n]).ToList());
        Assert.Contains("column 'X2' is constant across all data", Fails([constant, constantRegime]));
        Assert.Contains("column 'X2' is constant in file0.csv", Fails([constant, regime]));
    }

    [Fact]
    public void TooFewRows()
    {
        Assert.Contains("file0.csv has 4 rows", Fails([Instance.Data[0].SelectRows([0, 1, 2, 3]), Instance.Data[1]]));
        Assert.Contains("file1.csv has 1 row(s)", Fails([Instance.Data[0], Instance.Data[1].SelectRows([0])]));
    }

    [Fact]
    public void BadKnowledge()
    {
        Assert.Contains("names 'nope'", Fails(Instance.Data, new DiscoveryOptions { Knowledge = new() { Required = [("X1", "nope")] } }));
        Assert.Contains("both required and forbidden",
            Fails(Instance.Data, new DiscoveryOptions { Knowledge = new() { Required = [("X1", "X2")], Forbidden = [("X1", "X2")] } }));
        Assert.Contains("the required edges form a cycle",
            Fails(Instance.Data, new DiscoveryOptions { Knowledge = new() { Required = [("X1", "X2"), ("X2", "X3"), ("X3", "X1")] } }));
        Assert.Contains("points from tier 2 back to tier 1",
            Fails(Instance.Data, new DiscoveryOptions { Knowledge = new() { Required = [("X2", "X1")], Tiers = [["X1"], ["X2"]] } }));
        Assert.Contains("must be an edge written PARENT->CHILD", Assert.Throws<InputException>(() => DiscoveryKnowledge.ParseEdge("X1-X2", "--require")).Message);
    }

    [Fact]
    public void KnowledgeIsObeyed()
    {
        var free = CausalDiscovery.Discover(Instance.Data, Instance.Sources);
        var found = free.Edges.First();
        // Forbid a found edge, require one that is absent, and put the first node of a found edge in a later tier.
        var absent = Instance.Truth.Graph.Names.SelectMany(p => Instance.Truth.Graph.Names.Select(c => (p, c)))
            .First(e => e.p != e.c && !free.Edges.Any(x => (x.Parent == e.p && x.Child == e.c) || (x.Parent == e.c && x.Child == e.p)));
        var constrained = CausalDiscovery.Discover(Instance.Data, Instance.Sources, new DiscoveryOptions
        {
            Knowledge = new() { Forbidden = [(found.Parent, found.Child)], Required = [absent] },
        });
        Assert.DoesNotContain(constrained.Edges, e => e.Parent == found.Parent && e.Child == found.Child);
        var required = Assert.Single(constrained.Edges, e => e.Parent == absent.p && e.Child == absent.c);
        Assert.Equal(1.0, required.Confidence);

        var tiered = CausalDiscovery.Discover(Instance.Data, Instance.Sources, new DiscoveryOptions
        {
            Knowledge = new() { Tiers = [[found.Child], [found.Parent]] },
        });
        Assert.DoesNotContain(tiered.Edges, e => e.Parent == found.Parent && e.Child == found.Child);
    }
}
