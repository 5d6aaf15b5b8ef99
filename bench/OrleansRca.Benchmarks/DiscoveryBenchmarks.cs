using OrleansRca.Causal.Discovery;

namespace OrleansRca.Benchmarks;

/// <summary>
/// Causal discovery with unknown interventions on seeded random linear-Gaussian SCMs: time against nodes
/// and rows (median of repeated runs after a warm-up), and the accuracy (SHD, target F1) in the 20-node
/// setting of the published BaCaDI and UT-IGSP figures, averaged over seeds.
/// </summary>
public static class DiscoveryBenchmarks
{
    public static IEnumerable<(string name, double medianMs, string note)> Run(bool quick)
    {
        var repetitions = quick ? 1 : 3;
        foreach (var nodes in new[] { 10, 50, 200 })
            foreach (var rows in new[] { 10, 500 })
            {
                var setting = new InterventionalSetting
                {
                    Nodes = nodes, ExpectedEdges = 2 * nodes, ObservationalRows = 1000, Regimes = 10, RowsPerRegime = rows,
                };
                var instance = InterventionalData.Generate(setting, seed: nodes + rows);
                var (shd, f1) = (0, 0.0);
                var ms = Timing.Median(repetitions, () => (shd, f1) = Score(instance));
                yield return ($"{nodes} nodes, 1,000 + 10 x {rows:N0} rows", ms,
                    $"{instance.Truth.Graph.EdgeCount} edges, SHD {shd}, target F1 {f1:F2}");
            }

        // The published setting: 20 nodes, ~40 edges, 100 observational rows, 10 regimes of 10 rows.
        var seeds = quick ? 3 : 10;
        var runs = new List<(int Shd, double F1, double Auprc, double Ms)>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var instance = InterventionalData.Generate(new InterventionalSetting(), seed);
            var watch = Stopwatch.StartNew();
            var result = CausalDiscovery.Discover(instance.Data, instance.Sources);
            var ms = watch.Elapsed.TotalMilliseconds;
            var (shd, f1) = Score(instance, result);
            runs.Add((shd, f1, DiscoveryMetrics.TargetAuprc(instance.Targets.Select(t => (IReadOnlyCollection<int>)t).ToList(), result.TargetProbabilities), ms));
        }
        yield return ($"20 nodes, 100 + 10 x 10 rows, mean of {seeds} seeds", runs.Average(r => r.Ms),
            $"SHD {runs.Average(r => r.Shd):F1} (max {runs.Max(r => r.Shd)}), target F1 {runs.Average(r => r.F1):F3} (min {runs.Min(r => r.F1):F2}), target AUPRC {runs.Average(r => r.Auprc):F3}");
    }

    private static (int Shd, double F1) Score(InterventionalInstance instance) => Score(instance, CausalDiscovery.Discover(instance.Data, instance.Sources));

    private static (int Shd, double F1) Score(InterventionalInstance instance, DiscoveryResult result)
    {
        var names = instance.Truth.Graph.Names;
        var truth = instance.Targets.Select(t => (IReadOnlyCollection<string>)t.Select(v => names[v]).ToHashSet()).ToList();
        var found = result.Targets.Select(t => (IReadOnlyCollection<string>)t.Select(x => x.Node).ToHashSet()).ToList();
        return (DiscoveryMetrics.StructuralHammingDistance(instance.Truth.Graph, result.Graph()), DiscoveryMetrics.TargetF1(truth, found));
    }
}
