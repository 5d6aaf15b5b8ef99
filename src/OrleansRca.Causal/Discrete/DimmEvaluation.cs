using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansRca.Causal.Discrete;

/// <summary>Errors of recovered proportions against the truth.</summary>
/// <param name="Mse">Mean squared error.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="MaxError">Largest absolute error.</param>
public sealed record DimmMetrics(double Mse, double Mae, double MaxError)
{
    /// <summary>
    /// The paper's metrics (section 5.1) as the reference files compute them: over all N pi_{i,a} and pi_phi
    /// (N + 1 values; for ALARM 106).
    /// </summary>
    public static DimmMetrics Compute(ReadOnlySpan<double> truePi, double truePiPhi, IReadOnlyList<double> pi, double piPhi)
    {
        if (truePi.Length != pi.Count)
            throw new ArgumentException($"{truePi.Length} true proportions but {pi.Count} estimates");
        var n = truePi.Length + 1;
        var se = 0.0;
        var ae = 0.0;
        var max = 0.0;
        for (var g = 0; g <= truePi.Length; g++)
        {
            var e = Math.Abs(g < truePi.Length ? truePi[g] - pi[g] : truePiPhi - piPhi);
            se += e * e;
            ae += e;
            max = Math.Max(max, e);
        }
        return new DimmMetrics(se / n, ae / n, max);
    }
}

/// <summary>A DIMM problem instance (shared/data/dimm/*.json): truth, sampled marginals and the SLSQP reference.</summary>
public sealed record DimmInstance(
    string Name,
    int Interventions,
    long Samples,
    double TruePiPhi,
    double[] TruePi,
    MixtureMarginals Mixture,
    DimmMetrics? Reference,
    double? ReferenceSeconds)
{
    /// <summary>
    /// Reads an instance: <c>true_pi_phi</c>, <c>true_proportions</c>, <c>mixture_marginals</c> (arrays in the
    /// BIF state order), <c>m_samples</c>, <c>n_ivn</c> and, when present, <c>python_slsqp_direct</c>
    /// (<c>mse</c>, <c>mae</c>, <c>max_abs</c>, <c>wall_s</c>).
    /// </summary>
    /// <exception cref="InputException">Missing fields, or nodes and states unknown to the network.</exception>
    public static DimmInstance Load(string path, BayesianNetwork network)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                   ?? throw new InputException($"{Path.GetFileName(path)}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InputException($"{Path.GetFileName(path)}: not valid JSON: {e.Message}");
        }
        T Field<T>(string name) => root[name] is { } node ? node.GetValue<T>() : throw new InputException($"{Path.GetFileName(path)}: no '{name}'");

        var samples = (long)Field<double>("m_samples");
        var values = new double[network.StateCount];
        var marginals = root["mixture_marginals"] as JsonObject ?? throw new InputException($"{Path.GetFileName(path)}: no 'mixture_marginals'");
        foreach (var v in network.Variables)
        {
            var row = marginals[v.Name] as JsonArray ?? throw new InputException($"{Path.GetFileName(path)}: node '{v.Name}' has no mixture marginal");
            if (row.Count != v.Cardinality)
                throw new InputException($"{Path.GetFileName(path)}: node '{v.Name}' has {row.Count} mixture values, expected {v.Cardinality}");
            for (var k = 0; k < v.Cardinality; k++) values[v.StateOffset + k] = row[k]!.GetValue<double>();
        }

        var truePi = new double[network.StateCount];
        foreach (var p in root["true_proportions"] as JsonArray ?? [])
            truePi[network.GlobalState(p!["node"]!.GetValue<string>(), p["state"]!.GetValue<string>())] = p["pi"]!.GetValue<double>();

        DimmMetrics? reference = null;
        double? seconds = null;
        if (root["python_slsqp_direct"] is JsonObject r)
        {
            reference = new DimmMetrics(r["mse"]!.GetValue<double>(), r["mae"]!.GetValue<double>(), r["max_abs"]!.GetValue<double>());
            seconds = r["wall_s"]?.GetValue<double>();
        }
        return new DimmInstance(
            Path.GetFileNameWithoutExtension(path),
            (int)Field<double>("n_ivn"),
            samples,
            Field<double>("true_pi_phi"),
            truePi,
            MixtureMarginals.Create(network, values, samples),
            reference,
            seconds);
    }
}

/// <summary>One evaluated instance.</summary>
/// <param name="Instance">File name without extension.</param>
/// <param name="Interventions">N_ivn.</param>
/// <param name="Samples">m.</param>
/// <param name="Ours">Errors of our estimate.</param>
/// <param name="SolveMilliseconds">Median wall time of one solve (marginal oracle precomputed, as for the reference).</param>
/// <param name="Reference">Errors of the SLSQP reference, when the instance has them.</param>
/// <param name="ReferenceMilliseconds">Wall time of the SLSQP reference.</param>
/// <param name="Solution">Our proportions.</param>
public sealed record DimmEvaluationRow(
    string Instance,
    int Interventions,
    long Samples,
    DimmMetrics Ours,
    double SolveMilliseconds,
    DimmMetrics? Reference,
    double? ReferenceMilliseconds,
    MixtureSolution Solution)
{
    /// <summary>Our MAE divided by the reference's (null without a reference).</summary>
    public double? MaeRatio => Reference is { Mae: > 0 } r ? Ours.Mae / r.Mae : null;
}

/// <summary>
/// Reproduces the paper's ALARM protocol (section 5.1) on instance files: recover the proportions from
/// the sampled mixture marginals and compare with the truth and with the SLSQP reference (OPT(eps)).
/// </summary>
public static class DimmEvaluation
{
    /// <summary>The instance files of a directory (every <c>*.json</c> except <c>*.mixture.json</c>), sorted.</summary>
    public static IReadOnlyList<string> InstanceFiles(string directory) =>
        Directory.GetFiles(directory, "*.json")
            .Where(f => !f.EndsWith(".mixture.json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Evaluates instances that all belong to <paramref name="oracle"/>'s network. Each solve is timed as the
    /// median of <paramref name="repetitions"/> runs after one warm-up.
    /// </summary>
    public static IReadOnlyList<DimmEvaluationRow> Evaluate(InterventionalMarginals oracle, IEnumerable<DimmInstance> instances, int repetitions = 5,
        IProgress<double>? progress = null)
    {
        var rows = new List<DimmEvaluationRow>();
        var list = instances.ToList();
        foreach (var inst in list)
        {
            var solution = MixtureSolver.Solve(oracle, inst.Mixture);
            var times = new double[Math.Max(1, repetitions)];
            for (var r = 0; r < times.Length; r++)
            {
                var sw = Stopwatch.StartNew();
                MixtureSolver.Solve(oracle, inst.Mixture);
                times[r] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(times);
            rows.Add(new DimmEvaluationRow(
                inst.Name,
                inst.Interventions,
                inst.Samples,
                DimmMetrics.Compute(inst.TruePi, inst.TruePiPhi, solution.Pi, solution.PiPhi),
                times[times.Length / 2],
                inst.Reference,
                inst.ReferenceSeconds * 1000,
                solution));
            progress?.Report(rows.Count / (double)list.Count);
        }
        return rows;
    }

    /// <summary>
    /// Loads the network named by each instance (<c>network</c> field, e.g. "alarm" from
    /// <paramref name="bifDirectory"/>/alarm.bif), computes its marginal oracle once, and evaluates.
    /// </summary>
    /// <exception cref="InputException">An instance or network file is missing or invalid.</exception>
    public static IReadOnlyList<DimmEvaluationRow> Evaluate(IEnumerable<string> instancePaths, string bifDirectory, int repetitions = 5,
        IProgress<double>? progress = null)
    {
        var oracles = new Dictionary<string, InterventionalMarginals>(StringComparer.Ordinal);
        var rows = new List<DimmEvaluationRow>();
        var paths = instancePaths.ToList();
        foreach (var path in paths)
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            var name = root?["network"]?.GetValue<string>()
                       ?? throw new InputException($"{Path.GetFileName(path)}: no 'network' field");
            if (!oracles.TryGetValue(name, out var oracle))
            {
                var bif = Path.Combine(bifDirectory, name + ".bif");
                if (!File.Exists(bif))
                    throw new InputException($"{Path.GetFileName(path)}: network file {bif} not found");
                oracles[name] = oracle = new ExactInference(BifReader.Load(bif)).AllInterventional();
            }
            rows.AddRange(Evaluate(oracle, [DimmInstance.Load(path, oracle.Network)], repetitions));
            progress?.Report(rows.Count / (double)paths.Count);
        }
        return rows;
    }

    /// <summary>
    /// The paper's protocol run afresh (section 5.1, table 1): for every intervention count and sample size,
    /// <paramref name="seeds"/> random mixtures with pi_phi = <paramref name="piPhi"/> and one state per node
    /// left out (<see cref="MixtureGenerator.Random"/>), marginals estimated from that many ancestral samples
    /// (<see cref="MixtureGenerator.Sample"/>), solved and scored against the truth.
    /// </summary>
    public static IReadOnlyList<DimmEvaluationRow> Protocol(InterventionalMarginals oracle, IReadOnlyList<int> interventionCounts,
        IReadOnlyList<long> sampleSizes, int seeds, double piPhi = 0.2, int repetitions = 5, IProgress<double>? progress = null)
    {
        if (seeds < 1) throw new InputException($"seeds must be at least 1, not {seeds}");
        // Every (variable, state) can be intervened on except the one state per variable left out.
        var most = oracle.Network.StateCount - oracle.Network.Count;
        foreach (var k in interventionCounts)
            if (k < 0 || k > most)
                throw new InputException($"intervention counts must be between 0 and {most} ({oracle.Network.Name} has {oracle.Network.StateCount} states in {oracle.Network.Count} variables, one left out per variable), not {k}");
        foreach (var m in sampleSizes)
            if (m < 1) throw new InputException($"sample sizes must be positive, not {m}");
        var instances = new List<DimmInstance>();
        // Sampling the mixtures takes about as long as solving them: half the progress each.
        var total = (double)sampleSizes.Count * interventionCounts.Count * seeds;
        foreach (var m in sampleSizes)
        {
            foreach (var k in interventionCounts)
            {
                for (var seed = 0; seed < seeds; seed++)
                {
                    var truth = MixtureGenerator.Random(oracle, k, seed, k == 0 ? 1.0 : piPhi);
                    var frequencies = MixtureGenerator.Sample(oracle.Network, truth.PiPhi, truth.Pi, m, seed + 1);
                    instances.Add(new DimmInstance($"{oracle.Network.Name}-nivn{k}-m{m:0e0}-seed{seed}", k, m, truth.PiPhi, truth.Pi,
                        MixtureMarginals.Create(oracle.Network, frequencies, m), null, null));
                    progress?.Report(0.5 * instances.Count / total);
                }
            }
        }
        return Evaluate(oracle, instances, repetitions, progress is null ? null : new SecondHalf(progress));
    }

    /// <summary>Reports 0..1 as 0.5..1 on the caller's thread (Progress&lt;T&gt; would post, out of order).</summary>
    private sealed class SecondHalf(IProgress<double> inner) : IProgress<double>
    {
        public void Report(double value) => inner.Report(0.5 + 0.5 * value);
    }
}
