using System.Diagnostics;
using OrleansRca.Causal.Discovery;
using OrleansRca.Causal.Synthetic;
using Xunit.Abstractions;

namespace OrleansRca.Causal.Tests.Discovery;

/// <summary>The targets on seeded random linear-Gaussian SCMs with hidden intervention targets.</summary>
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TwentyNodesFewRowsPerRegime(int seed)
    {
        var setting = new InterventionalSetting();
        var watch = Stopwatch.StartNew();
        var (shd, f1, edges) = Evaluate(InterventionalData.Generate(setting, seed));
        output.WriteLine($"seed {seed}: edges {edges} SHD {shd} F1 {f1:F3} in {watch.ElapsedMilliseconds} ms");
        Assert.True(shd <= 20, $"SHD {shd}");
        Assert.True(f1 >= 0.7, $"F1 {f1}");
    }
}
