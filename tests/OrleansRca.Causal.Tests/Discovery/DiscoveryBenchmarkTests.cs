using System.Diagnostics;
using Xunit.Abstractions;

namespace OrleansRca.Causal.Tests.Discovery;

/// <summary>
/// The targets on seeded random linear-Gaussian SCMs (Erdős–Rényi DAGs, weights ±U[0.5, 2],
/// noise sd U[0.5, 1.5]) with hidden shift and hard interventions on 1-2 nodes per regime. Figures are
/// averaged over seeds, as the published ones are.
/// </summary>
public sealed class DiscoveryBenchmarkTests(ITestOutputHelper output)
{
    internal static (int Shd, double F1, int Edges) Evaluate(InterventionalInstance instance, DiscoveryOptions? options = null)
    {
        var result = CausalDiscovery.Discover(instance.Data, instance.Sources, options);
        var shd = DiscoveryMetrics.StructuralHammingDistance(instance.Truth.Graph, result.Graph());
        var truth = instance.Targets.Select(t => (IReadOnlyCollection<string>)t.Select(v => instance.Truth.Graph.Names[v]).ToHashSet()).ToList();
        var found = result.Targets.Select(t => (IReadOnlyCollection<string>)t.Select(x => x.Node).ToHashSet()).ToList();
        return (shd, DiscoveryMetrics.TargetF1(truth, found), instance.Truth.Graph.EdgeCount);
    }

    private (double Shd, double F1, double Edges) Average(InterventionalSetting setting, IEnumerable<int> seeds)
    {
        var runs = new List<(int Shd, double F1, int Edges)>();
        foreach (var seed in seeds)
        {
            var watch = Stopwatch.StartNew();
            var run = Evaluate(InterventionalData.Generate(setting, seed));
            output.WriteLine($"seed {seed}: {run.Edges} edges, SHD {run.Shd}, target F1 {run.F1:F3}, {watch.ElapsedMilliseconds} ms");
            runs.Add(run);
        }
        var mean = (Shd: runs.Average(r => r.Shd), F1: runs.Average(r => r.F1), Edges: runs.Average(r => r.Edges));
        output.WriteLine($"mean: {mean.Edges:F1} edges, SHD {mean.Shd:F1}, target F1 {mean.F1:F3}");
        return mean;
    }

    /// <summary>The node counts and intervention kinds each regime size is run on.</summary>
    public static readonly TheoryData<int, RegimeChange> SizesAndKinds = new()
    {
        { 10, RegimeChange.Mixed },
        { 30, RegimeChange.Shift },
        { 30, RegimeChange.Hard },
    };

    /// <summary>500 observational rows and 1.5 expected edges per node, as in the benchmark's larger settings.</summary>
    private static InterventionalSetting Setting(int nodes, RegimeChange kind, int regimes, int rowsPerRegime) => new()
    {
        Nodes = nodes, ExpectedEdges = 1.5 * nodes, ObservationalRows = 500, Regimes = regimes, RowsPerRegime = rowsPerRegime, Kind = kind,
    };

    [Fact]
    public void AuprcIsAveragePrecisionOfTheRanking()
    {
        // Ranked 0.9 hit (precision 1/1), 0.7 miss, 0.4 miss, 0.2 hit (2/4); two positives: (1 + 2/4) / 2.
        double[][] probabilities = [[0.9, 0.4], [0.7, 0.2]];
        IReadOnlyCollection<int>[] truth = [[0], [1]];
        Assert.Equal((1 + 2.0 / 4) / 2, DiscoveryMetrics.TargetAuprc(truth, probabilities), 1e-12);
        Assert.Equal(1.0, DiscoveryMetrics.TargetAuprc([[0], [0]], probabilities), 1e-12);
    }

    [Fact]
    public void TwentyNodesHundredObservationalRowsTenRegimesOfTen()
    {
        // The setting of BaCaDI's and UT-IGSP's published figures (expected SHD 30.2 and 41.4).
        var (shd, f1, edges) = Average(new InterventionalSetting(), Enumerable.Range(1, 6));
        Assert.True(shd <= 20, $"mean SHD {shd}");
        Assert.True(f1 >= 0.7, $"mean target F1 {f1}");
    }

    [Theory]
    [MemberData(nameof(SizesAndKinds))]
    public void FiveHundredRowsPerRegime(int nodes, RegimeChange kind)
    {
        var (shd, f1, edges) = Average(Setting(nodes, kind, regimes: 5, rowsPerRegime: 500), [11, 12]);
        Assert.True(shd <= 0.25 * edges, $"mean SHD {shd} against {edges} edges");
        Assert.True(f1 >= 0.8, $"mean target F1 {f1}");
    }

    [Theory]
    [MemberData(nameof(SizesAndKinds))]
    public void TenRowsPerRegime(int nodes, RegimeChange kind)
    {
        var (shd, f1, edges) = Average(Setting(nodes, kind, regimes: 8, rowsPerRegime: 10), [21, 22]);
        Assert.True(f1 >= 0.6, $"mean target F1 {f1}");
    }

    [Fact]
    public void FiftyNodes()
    {
        var setting = new InterventionalSetting { Nodes = 50, ExpectedEdges = 75, ObservationalRows = 500, Regimes = 10, RowsPerRegime = 500 };
        var (shd, f1, edges) = Average(setting, [31]);
        Assert.True(shd <= 0.25 * edges, $"SHD {shd} against {edges} edges");
        Assert.True(f1 >= 0.8, $"target F1 {f1}");
    }
}
