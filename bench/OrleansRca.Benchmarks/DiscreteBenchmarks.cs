using OrleansRca.Causal.Discrete;

namespace OrleansRca.Benchmarks;

/// <summary>
/// Discrete Bayesian networks and the mixture solver: exact interventional marginals (ALARM and seeded
/// random networks of hundreds of nodes) and one DIMM solve. Each figure is the median of repeated runs
/// after a discarded warm-up, timed with a Stopwatch.
/// </summary>
public static class DiscreteBenchmarks
{
    /// <param name="dataDir">A folder with <c>bif/alarm.bif</c> and, optionally, <c>dimm/alarm-nivn17-m1e6-seed0.json</c> (tests/data).</param>
    /// <param name="repetitions">Timed runs per figure (at least 15 for the recorded figures).</param>
    public static IEnumerable<(string name, double medianMs, string note)> Run(string dataDir, int repetitions = 15)
    {
        repetitions = Math.Max(1, repetitions);
        var alarmPath = Path.Combine(dataDir, "bif", "alarm.bif");

        // 1. ALARM: parse the BIF, build the junction tree, every P(X_j | do(X_i = a)) (pgmpy: ~8 s).
        InterventionalMarginals? alarm = null;
        var ms = Timing.Median(repetitions, () => alarm = new ExactInference(BifReader.Load(alarmPath)).AllInterventional());
        var net = alarm!.Network;
        yield return ("alarm: load BIF + all interventional marginals", ms,
            $"{net.Count} nodes, {net.StateCount} states, {net.StateCount * net.Count:N0} marginals (target <= 20 ms; pgmpy ~8 s)");

        // 2. One DIMM solve on ALARM (the oracle is computed once, as in the reference's timing).
        var instancePath = Path.Combine(dataDir, "dimm", "alarm-nivn17-m1e6-seed0.json");
        MixtureMarginals mixture;
        string what;
        if (File.Exists(instancePath))
        {
            var instance = DimmInstance.Load(instancePath, net);
            mixture = instance.Mixture;
            what = $"shared instance N_ivn=17, m=1e6 (SLSQP reference: {instance.ReferenceSeconds * 1000:F0} ms)";
        }
        else
        {
            var generated = MixtureGenerator.Random(alarm, 17, 1);
            mixture = MixtureMarginals.Create(net, MixtureGenerator.Sample(net, generated.PiPhi, generated.Pi, 1_000_000, 1), 1_000_000);
            what = "generated N_ivn=17, m=1e6";
        }
        MixtureSolution? solution = null;
        ms = Timing.Median(repetitions, () => solution = MixtureSolver.Solve(alarm, mixture));
        yield return ("alarm: one DIMM solve (robust)", ms, what);

        // EM baseline (paper appendix D) on 1e5 joint rows of a generated N_ivn=17 mixture, beside our
        // marginal-based solve of the same mixture's sampled marginals (same seeds: identical state frequencies).
        var emTruth = MixtureGenerator.Random(alarm, 17, 1);
        var joint = MixtureEm.SampleRows(net, emTruth.PiPhi, emTruth.Pi, 100_000, 1);
        var emMarginals = MixtureMarginals.Create(net, MixtureGenerator.Sample(net, emTruth.PiPhi, emTruth.Pi, 100_000, 1), 100_000);
        EmResult? em = null;
        var emReps = Math.Max(1, Math.Min(repetitions, 5));
        ms = Timing.Median(emReps, () => em = MixtureEm.Fit(net, joint));
        var emMae = DimmMetrics.Compute(emTruth.Pi, emTruth.PiPhi, em!.Pi, em.PiPhi).Mae;
        MixtureSolution? ours = null;
        var oursMs = Timing.Median(repetitions, () => ours = MixtureSolver.Solve(alarm, emMarginals));
        var oursMae = DimmMetrics.Compute(emTruth.Pi, emTruth.PiPhi, ours!.Pi, ours.PiPhi).Mae;
        yield return ("alarm: EM on 1e5 joint rows (appendix D baseline)", ms,
            $"N_ivn=17; {em.Iterations} passes, {em.DistinctRows:N0} distinct rows, MAE {emMae.ToString("0.0e+0", CultureInfo.InvariantCulture)}; " +
            $"ours on the same sample's marginals: {oursMs.ToString("F2", CultureInfo.InvariantCulture)} ms, MAE {oursMae.ToString("0.0e+0", CultureInfo.InvariantCulture)}");

        var exact = MixtureGenerator.Random(alarm, 34, 2);
        var exactMixture = MixtureMarginals.Create(net, exact.Marginals);
        ms = Timing.Median(repetitions, () => MixtureSolver.Solve(alarm, exactMixture));
        yield return ("alarm: one DIMM solve (exact, theorem 1)", ms, "generated N_ivn=34, exact marginals");

        // 3. Growth: seeded random DAGs (2-5 states, <= 3 parents among the previous 8 nodes).
        foreach (var nodes in new[] { 100, 300, 600 })
        {
            var random = NetworkGenerator.Random(nodes, seed: nodes);
            ExactInference? inference = null;
            InterventionalMarginals? oracle = null;
            var reps = nodes >= 600 ? Math.Max(1, Math.Min(repetitions, 15)) : repetitions;
            ms = Timing.Median(reps, () =>
            {
                inference = new ExactInference(random);
                oracle = inference.AllInterventional();
            });
            yield return ($"random {nodes} nodes: junction tree + all interventional marginals", ms,
                $"{random.StateCount:N0} states, {(long)random.StateCount * random.Count:N0} marginals, " +
                $"{inference!.CliqueCount} cliques, largest {inference.LargestClique} entries");

            var mix = MixtureGenerator.Random(oracle!, nodes / 5, 3);
            var mixMarginals = MixtureMarginals.Create(random, mix.Marginals);
            var error = 0.0;
            ms = Timing.Median(repetitions, () =>
            {
                var s = MixtureSolver.Solve(oracle!, mixMarginals);
                error = DimmMetrics.Compute(mix.Pi, mix.PiPhi, s.Pi, s.PiPhi).MaxError;
            });
            yield return ($"random {nodes} nodes: one DIMM solve (exact)", ms,
                $"{nodes / 5} interventions, max error {error.ToString("0.0e+0", CultureInfo.InvariantCulture)}");
        }
    }
}
