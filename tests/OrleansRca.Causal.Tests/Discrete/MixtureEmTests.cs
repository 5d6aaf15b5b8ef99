using System.Diagnostics;
using Xunit.Abstractions;

namespace OrleansRca.Causal.Tests.Discrete;

public sealed class MixtureEmTests(ITestOutputHelper output)
{
    /// <summary>P(X_j = x_j | pa_j(x)) straight from the table as given.</summary>
    private static double Cpt(BayesianNetwork net, int j, int[] x)
    {
        var v = net.Variables[j];
        var r = 0;
        foreach (var p in v.Parents) r = r * net.Variables[p].Cardinality + x[p];
        return v.Cpt[r * v.Cardinality + x[j]];
    }

    /// <summary>
    /// The mixture's joint probability from the definition: pi_phi prod_j P(x_j | pa_j) + sum_{i,a} pi_{i,a}
    /// [x_i = a] prod_{j != i} P(x_j | pa_j) (the network with X_i's table replaced by a point mass at a).
    /// </summary>
    private static double BruteForce(BayesianNetwork net, int[] x, double piPhi, double[] pi)
    {
        var total = piPhi * Enumerable.Range(0, net.Count).Aggregate(1.0, (acc, j) => acc * Cpt(net, j, x));
        for (var i = 0; i < net.Count; i++)
            for (var a = 0; a < net.Variables[i].Cardinality; a++)
            {
                var weight = pi[net.Variables[i].StateOffset + a];
                if (weight == 0 || x[i] != a) continue;
                var p = 1.0;
                for (var j = 0; j < net.Count; j++)
                    if (j != i) p *= Cpt(net, j, x);
                total += weight * p;
            }
        return total;
    }

    private static IEnumerable<int[]> AllRows(BayesianNetwork net)
    {
        var x = new int[net.Count];
        while (true)
        {
            yield return (int[])x.Clone();
            var j = net.Count - 1;
            while (j >= 0 && ++x[j] == net.Variables[j].Cardinality) x[j--] = 0;
            if (j < 0) yield break;
        }
    }

    /// <summary>(a) The EM's row likelihood is the mixture's joint probability; oracle: the definition, brute force.</summary>
    [Theory]
    [InlineData("asia", 3)]
    [InlineData("cancer", 2)]
    [InlineData("earthquake", 4)]
    public void Row_likelihood_equals_the_mixture_joint_probability(string name, int interventions)
    {
        var oracle = DiscreteData.Oracle(name);
        var net = oracle.Network;
        for (var seed = 0; seed < 3; seed++)
        {
            var mix = MixtureGenerator.Random(oracle, interventions, seed);
            var sum = 0.0;
            foreach (var x in AllRows(net))
            {
                var expected = BruteForce(net, x, mix.PiPhi, mix.Pi);
                var actual = MixtureEm.Likelihood(net, x, mix.PiPhi, mix.Pi);
                Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(expected, 1e-300) + 1e-300,
                    $"{name} seed {seed} row [{string.Join(",", x)}]: {actual:R} vs {expected:R}");
                sum += actual;
            }
            Assert.Equal(1.0, sum, 1e-9);
        }

        // The log-likelihood the EM reports at its uniform start is the sum of the brute-force log-probabilities.
        var rows = MixtureEm.SampleRows(net, 0.3, MixtureGenerator.Random(oracle, interventions, 7).Pi.Select(p => p * 0.7 / 0.8).ToArray(), 500, 11);
        var fit = MixtureEm.Fit(net, rows, new EmOptions { MaxIterations = 0, ResolveRoots = false });
        var components = 1 + net.StateCount;
        var uniform = Enumerable.Repeat(1.0 / components, net.StateCount).ToArray();
        var brute = rows.Sum(x => Math.Log(BruteForce(net, x, 1.0 / components, uniform)));
        Assert.Equal(brute, fit.LogLikelihoods[0], 1e-9 * Math.Abs(brute));
        Assert.Equal(1.0 / components, fit.PiPhi, 1e-15);
    }

    /// <summary>The joint sampler uses the random stream as MixtureGenerator.Sample: identical frequencies.</summary>
    [Fact]
    public void Sampled_rows_have_the_frequencies_of_MixtureGenerator_Sample()
    {
        var oracle = DiscreteData.Oracle("alarm");
        var mix = MixtureGenerator.Random(oracle, 17, 3);
        var rows = MixtureEm.SampleRows(oracle.Network, mix.PiPhi, mix.Pi, 20_000, 4);
        var counts = new long[oracle.Network.StateCount];
        foreach (var x in rows)
            for (var j = 0; j < x.Length; j++) counts[oracle.Network.Variables[j].StateOffset + x[j]]++;
        var expected = MixtureGenerator.Sample(oracle.Network, mix.PiPhi, mix.Pi, 20_000, 4);
        Assert.Equal(expected, counts.Select(n => (double)n / 20_000).ToArray());
    }

    /// <summary>
    /// (b) EM recovers random mixtures from 2e5 joint rows. With the paper's sets C_i known (the left-out states):
    /// MAE over the N + 1 proportions &lt; 5e-3. The MLE's standard error per proportion is about
    /// sqrt(pi (1 - pi) / m) &lt;= sqrt(0.25 / 2e5) = 1.1e-3 for well-separated components and a few times that for
    /// poorly separated ones (do(X = a) with P(X = a | pa) near 1 looks like no intervention); observed: at most
    /// 2.9e-3 over these 12 cases. Without C_i every do(X_i = a) competes and nodes whose CPT rows are nearly
    /// equal give nearly flat likelihood directions (exactly flat for roots, resolved by assumption 1), so the
    /// MLE is noisier: bound 2e-2, observed at most 1.1e-2. The MAEs are printed.
    /// </summary>
    [Theory]
    [InlineData("cancer", 2)]
    [InlineData("cancer", 4)]
    [InlineData("asia", 3)]
    [InlineData("asia", 6)]
    public void Recovers_the_proportions_of_a_random_mixture(string name, int interventions)
    {
        var oracle = DiscreteData.Oracle(name);
        var worst = 0.0;
        var worstUnknown = 0.0;
        for (var seed = 0; seed < 3; seed++)
        {
            var mix = MixtureGenerator.Random(oracle, interventions, seed);
            var rows = MixtureEm.SampleRows(oracle.Network, mix.PiPhi, mix.Pi, 200_000, seed + 1);
            var fit = MixtureEm.Fit(oracle.Network, rows);
            var known = MixtureEm.Fit(oracle.Network, rows, new EmOptions { LeftOut = mix.LeftOut });
            var mae = DimmMetrics.Compute(mix.Pi, mix.PiPhi, fit.Pi, fit.PiPhi).Mae;
            var maeKnown = DimmMetrics.Compute(mix.Pi, mix.PiPhi, known.Pi, known.PiPhi).Mae;
            output.WriteLine($"{name} N_ivn={interventions} seed {seed}: MAE {mae:e2} (C_i known: {maeKnown:e2}), " +
                             $"{fit.Iterations} iterations, converged {fit.Converged}, {fit.DistinctRows} distinct rows");
            Assert.Equal(1.0, fit.PiPhi + fit.Pi.Sum(), 1e-9);
            Assert.All(fit.Pi, p => Assert.True(p >= 0));
            worst = Math.Max(worst, maeKnown);
            worstUnknown = Math.Max(worstUnknown, mae);
        }
        Assert.True(worst < 5e-3, $"{name}: worst MAE with C_i known {worst:e2}");
        Assert.True(worstUnknown < 2e-2, $"{name}: worst MAE {worstUnknown:e2}");
    }

    /// <summary>(c) EM never lowers the log-likelihood (tolerance: rounding, 1e-12 relative).</summary>
    [Theory]
    [InlineData("alarm", 17, 20_000, false)]
    [InlineData("alarm", 17, 20_000, true)]
    [InlineData("asia", 3, 50_000, false)]
    [InlineData("asia", 3, 50_000, true)]
    [InlineData("child", 9, 20_000, true)]
    public void Log_likelihood_never_decreases(string name, int interventions, int m, bool accelerate)
    {
        var oracle = DiscreteData.Oracle(name);
        var mix = MixtureGenerator.Random(oracle, interventions, 5);
        var rows = MixtureEm.SampleRows(oracle.Network, mix.PiPhi, mix.Pi, m, 6);
        var fit = MixtureEm.Fit(oracle.Network, rows, new EmOptions { MaxIterations = 300, Tolerance = 0, Accelerate = accelerate });
        if (!accelerate) Assert.Equal(fit.Iterations + 1, fit.LogLikelihoods.Count);
        for (var t = 1; t < fit.LogLikelihoods.Count; t++)
            Assert.True(fit.LogLikelihoods[t] >= fit.LogLikelihoods[t - 1] - 1e-12 * Math.Abs(fit.LogLikelihoods[t - 1]),
                $"iteration {t}: {fit.LogLikelihoods[t]:R} < {fit.LogLikelihoods[t - 1]:R}");
        Assert.True(fit.LogLikelihoods[^1] > fit.LogLikelihoods[0]);
    }

    /// <summary>ALARM, 1e5 rows: recovers N_ivn = 17 well (the time is printed for information; speed lives in the benchmark).</summary>
    [Fact]
    public void Alarm_1e5_rows()
    {
        var oracle = DiscreteData.Oracle("alarm");
        var mix = MixtureGenerator.Random(oracle, 17, 0);
        var rows = MixtureEm.SampleRows(oracle.Network, mix.PiPhi, mix.Pi, 100_000, 1);
        MixtureEm.Fit(oracle.Network, rows[..1000]);
        var sw = Stopwatch.StartNew();
        var fit = MixtureEm.Fit(oracle.Network, rows);
        var ms = sw.Elapsed.TotalMilliseconds;
        var metrics = DimmMetrics.Compute(mix.Pi, mix.PiPhi, fit.Pi, fit.PiPhi);
        output.WriteLine($"alarm 1e5 rows: {ms:F0} ms, {fit.Iterations} iterations, converged {fit.Converged}, " +
                         $"{fit.DistinctRows} distinct rows, MAE {metrics.Mae:e2}, max {metrics.MaxError:e2}");
        Assert.True(metrics.Mae < 5e-3, $"MAE {metrics.Mae:e2}");
    }

    /// <summary>(d) Malformed rows are InputExceptions naming the (1-based) row.</summary>
    [Fact]
    public void Bad_rows_are_input_errors_naming_the_row()
    {
        var net = DiscreteData.Load("cancer");
        var good = new int[net.Count];
        var outOfRange = new int[net.Count];
        outOfRange[1] = net.Variables[1].Cardinality;
        var e = Assert.Throws<InputException>(() => MixtureEm.Fit(net, [good, good, outOfRange]));
        Assert.Contains("row 3", e.Message);
        Assert.Contains($"'{net.Variables[1].Name}'", e.Message);

        var negative = new int[net.Count];
        negative[0] = -1;
        e = Assert.Throws<InputException>(() => MixtureEm.Fit(net, [good, negative]));
        Assert.Contains("row 2", e.Message);

        e = Assert.Throws<InputException>(() => MixtureEm.Fit(net, [good, new int[net.Count + 1]]));
        Assert.Contains("row 2", e.Message);
        Assert.Contains($"expected one state index per node ({net.Count})", e.Message);

        e = Assert.Throws<InputException>(() => MixtureEm.Fit(net, [new int[net.Count - 1]]));
        Assert.Contains("row 1", e.Message);

        Assert.Throws<InputException>(() => MixtureEm.Fit(net, Array.Empty<int[]>()));
        Assert.Throws<InputException>(() => MixtureEm.Fit(net, [good], new EmOptions { LeftOut = [0] }));
    }

    /// <summary>A row with two zero factors is impossible under every component: rejected, naming the row and nodes.</summary>
    [Fact]
    public void Impossible_rows_are_input_errors()
    {
        // A -> B -> C, B copies A and C copies B: (A=0, B=1, C=0) has two zero factors.
        var net = BayesianNetwork.Create("chain",
        [
            new VariableSpec("A", ["0", "1"], [], [0.5, 0.5]),
            new VariableSpec("B", ["0", "1"], ["A"], [1, 0, 0, 1]),
            new VariableSpec("C", ["0", "1"], ["B"], [1, 0, 0, 1]),
        ]);
        var e = Assert.Throws<InputException>(() => MixtureEm.Fit(net, [[0, 0, 0], [0, 1, 0]]));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("'B'", e.Message);
        Assert.Contains("'C'", e.Message);

        // One zero factor: only do(B = 1) explains (0, 1, 1); EM gives it weight.
        var fit = MixtureEm.Fit(net, [[0, 0, 0], [0, 1, 1], [1, 1, 1], [0, 0, 0]]);
        Assert.True(fit.Pi[net.GlobalState("B", "1")] >= 0.2, $"pi(B=1) = {fit.Pi[net.GlobalState("B", "1")]}");
    }
}
