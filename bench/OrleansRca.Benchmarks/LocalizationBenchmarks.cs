using OrleansRca.Causal.RootCause;

namespace OrleansRca.Benchmarks;

/// <summary>
/// Root-cause localization (issue 8): per-node anomaly scores on a 500-node DAG, Shapley attribution on a
/// 20-node DAG, and one PetShop alert from files to a ranking with the built CLI (process start included).
/// </summary>
public static class LocalizationBenchmarks
{
    public static IEnumerable<(string Name, double Ms, string Note)> Run(string dataDir, int repetitions, string? rcaPath)
    {
        // 1. Per-node anomaly scores for 100 anomalous rows on a 500-node linear DAG fitted on 10k normal rows.
        {
            var truth = RandomModels.Linear(500, seed: 8);
            var normal = SyntheticData.Generate(truth, null, 10_000, seed: 1);
            var anomalies = Pushed(truth, 100, seed: 2);
            var skeleton = truth.WithMechanisms(truth.Mechanisms.Select(_ => (Mechanism?)null).ToArray());
            var fitMs = Timing.Median(Math.Min(repetitions, 3), () => RootCauseModel.Fit(skeleton, normal));
            var fitted = RootCauseModel.Fit(skeleton, normal);
            var data = LocalizationData.Create(skeleton, normal, anomalies, MissingPolicy.Error);
            var ms = Timing.Median(repetitions, () => Localizer.Localize(fitted, data, new LocalizeOptions()));
            yield return ("500-node DAG: noise CDF scores + flags + ranking, 100 rows", ms, "fitted model given (target <= 50 ms; DoWhy 17.8 s)");
            var targetMs = Timing.Median(repetitions, () => Localizer.Localize(fitted, data, new LocalizeOptions { Target = "X499" }));
            yield return ("500-node DAG: the same with --target X499", targetMs, "family-wise blame, single-cause ranking");
            yield return ("500-node DAG: fit every node on 10,000 normal rows", fitMs, "linear / quadratic / spline / split ridge, 5-fold CV per node");
        }

        // 2. Shapley attribution for 10 rows on a 20-node DAG (sampled permutations: more than 8 upstream nodes).
        //    Pushed noises fall anywhere in the graph, so some rows' target is not anomalous (nothing to attribute).
        {
            var truth = RandomModels.Linear(20, seed: 21, window: 6);
            var normal = SyntheticData.Generate(truth, null, 10_000, seed: 3);
            // The node with the most upstream nodes: the largest attribution problem of the graph; each row
            // pushes the target itself or a direct parent, so that every row alerts.
            var target = Enumerable.Range(0, truth.Count).MaxBy(v => truth.Graph.Ancestors([v]).Count(x => x));
            var anomalies = Pushed(truth, 10, seed: 4, [target, .. truth.Graph.Parents[target].Where(p => !truth.Graph.IsRoot(p))]);
            var fitted = RootCauseModel.Fit(truth, normal);
            var name = truth.Graph.Names[target];
            var upstream = truth.Graph.Ancestors([target]).Count(x => x);
            var data = LocalizationData.Create(truth, normal, anomalies, MissingPolicy.Error);
            var options = new LocalizeOptions { Target = name, Method = RankingMethod.Shapley };
            var result = Localizer.Localize(fitted, data, options);
            var attributed = result.Rows.Count(r => r.Attribution is not null);
            var error = result.Rows.Where(r => r.Attribution is not null).Select(r => r.Attribution!.StandardErrors.Values.Max()).DefaultIfEmpty(0).Max();
            var ms = Timing.Median(Math.Min(repetitions, 5), () => Localizer.Localize(fitted, data, options));
            yield return ($"20-node DAG: Shapley attribution, 10 rows ({attributed} alerting)", ms,
                $"{upstream} upstream nodes, {options.Permutations} permutations x {options.Samples} draws, max standard error {error:F3} (target <= 500 ms; DoWhy 58.8 s)");
        }

        // 3. One PetShop alert with the CLI as built and, when published, precompiled (README's daily-use install):
        //    process start, embedded silo, files, fit, ranking.
        var petshop = Path.Combine(dataDir, "petshop-low-traffic");
        if (rcaPath is not null && File.Exists(rcaPath) && Directory.Exists(petshop))
        {
            string[] args = ["localize", "--model", Path.Combine(petshop, "model-latency.json"), "--normal", Path.Combine(petshop, "normal-latency.csv"),
                "--anomalies", Path.Combine(petshop, "test-issue_0", "anomalies.csv"), "--missing", "mean", "--target", "PetSite", "--format", "json"];
            foreach (var (label, program) in new[] { ("as built", rcaPath), ("precompiled, out/rca", EndToEnd.PrecompiledCli) }.Where(c => File.Exists(c.Item2)))
            {
                var ms = Timing.Median(Math.Min(repetitions, 5), () =>
                {
                    using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                    process.StandardOutput.ReadToEnd();
                    process.WaitForExit();
                    if (process.ExitCode != 0) throw new InvalidOperationException($"rca localize exited {process.ExitCode}");
                });
                yield return ($"PetShop alert with the CLI {label} (rca localize --target PetSite)", ms, "41 nodes, 589 normal rows, 5-row window; process start and embedded silo included (aim: about 1 s)");
            }
            var model = ModelFile.Load(Path.Combine(petshop, "model-latency.json"));
            var core = Timing.Median(repetitions, () => Localizer.Run(LocalizationData.Load(model, Path.Combine(petshop, "normal-latency.csv"),
                Path.Combine(petshop, "test-issue_0", "anomalies.csv"), MissingPolicy.Mean), new LocalizeOptions { Target = "PetSite" }));
            yield return ("PetShop alert in process (files to ranking, no silo)", core, "the same work without process start and silo");
        }
    }

    /// <summary>Rows drawn from the model with one random non-root node's noise (of <paramref name="among"/>) pushed by 6 standard deviations.</summary>
    private static DataTable Pushed(CausalModel model, int rows, int seed, int[]? among = null)
    {
        var data = SyntheticData.Generate(model, null, rows, seed: seed + 100);
        var g = model.Graph;
        var noise = OrleansRca.Causal.Counterfactuals.Propagator.Abduct(model, data.Columns.ToArray());
        var random = new Random(seed);
        var candidates = among ?? Enumerable.Range(0, g.Count).Where(v => !g.IsRoot(v)).ToArray();
        for (var r = 0; r < rows; r++) noise[candidates[random.Next(candidates.Length)]][r] += 6;
        var values = new double[g.Count][];
        var roots = Enumerable.Range(0, g.Count).Where(g.IsRoot).ToList();
        foreach (var v in roots) values[v] = noise[v];
        OrleansRca.Causal.Counterfactuals.Propagator.Propagate(model, g.TopologicalOrder.Where(v => !g.IsRoot(v)).ToArray(), noise, values!, rows);
        return new DataTable(g.Names, values!);
    }
}
