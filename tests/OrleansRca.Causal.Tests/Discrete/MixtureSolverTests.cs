namespace OrleansRca.Causal.Tests.Discrete;

public sealed class MixtureSolverTests
{
    /// <summary>Theorem 1 on exact marginals of seeded random mixtures; oracle: the generator's proportions, tolerance 1e-9.</summary>
    [Theory]
    [InlineData("alarm")]
    [InlineData("asia")]
    [InlineData("cancer")]
    [InlineData("child")]
    [InlineData("earthquake")]
    [InlineData("sachs")]
    [InlineData("survey")]
    public void Exact_marginals_give_back_the_proportions(string name)
    {
        var oracle = DiscreteData.Oracle(name);
        var maxInterventions = oracle.Network.StateCount - oracle.Network.Count;
        foreach (var interventions in new[] { 0, 1, 3, 5, maxInterventions / 2, maxInterventions })
            for (var seed = 0; seed < 5; seed++)
            {
                var mix = MixtureGenerator.Random(oracle, interventions, seed * 31 + interventions);
                var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(oracle.Network, mix.Marginals));
                Assert.Equal(MixtureMethod.Exact, solution.Method);
                var m = DimmMetrics.Compute(mix.Pi, mix.PiPhi, solution.Pi, solution.PiPhi);
                Assert.True(m.MaxError <= 1e-9, $"{name}, {interventions} interventions, seed {seed}: max error {m.MaxError:e2}");
            }
    }

    [Fact]
    public void Exact_recovery_on_a_generated_network_of_hundreds_of_states()
    {
        var net = NetworkGenerator.Random(120, 11);
        var oracle = new ExactInference(net).AllInterventional();
        var mix = MixtureGenerator.Random(oracle, 40, 5);
        var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(net, mix.Marginals));
        Assert.True(DimmMetrics.Compute(mix.Pi, mix.PiPhi, solution.Pi, solution.PiPhi).MaxError <= 1e-9);
    }

    [Fact]
    public void The_base_marginals_are_pure_observation()
    {
        var oracle = DiscreteData.Oracle("asia");
        var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(oracle.Network, oracle.BaseAll));
        Assert.Equal(1.0, solution.PiPhi);
        Assert.All(solution.Proportions, p => Assert.Equal(0.0, p.Pi));
        Assert.Equal(16, solution.Proportions.Count);
    }

    /// <summary>
    /// The paper's ALARM protocol on the shared instances (m = 1e6 samples): our MAE must be at most a third
    /// of the SLSQP reference's (OPT(eps), lambda 0.1, eps 1e-5) for every N_ivn. Oracle: true_proportions
    /// and python_slsqp_direct.mae in tests/data/dimm/alarm-nivn{N}-m1e6-seed0.json.
    /// </summary>
    [Theory]
    [MemberData(nameof(DiscreteData.AlarmInterventionCounts), MemberType = typeof(DiscreteData))]
    public void Alarm_m1e6_mae_is_at_most_a_third_of_slsqp(int nIvn) => AssertAThirdOfSlsqp(nIvn, "1e6");

    /// <summary>
    /// The same bar on the m = 1e5 instances, where sampling noise is about three times larger. Oracle:
    /// true_proportions and python_slsqp_direct.mae in tests/data/dimm/alarm-nivn{N}-m1e5-seed0.json.
    /// </summary>
    [Theory]
    [MemberData(nameof(DiscreteData.AlarmInterventionCounts), MemberType = typeof(DiscreteData))]
    public void Alarm_m1e5_mae_is_at_most_a_third_of_slsqp(int nIvn) => AssertAThirdOfSlsqp(nIvn, "1e5");

    private static void AssertAThirdOfSlsqp(int nIvn, string samples)
    {
        var oracle = DiscreteData.Oracle("alarm");
        var instance = DimmInstance.Load(DiscreteData.Dir("dimm", $"alarm-nivn{nIvn}-m{samples}-seed0.json"), oracle.Network);
        var row = Assert.Single(DimmEvaluation.Evaluate(oracle, [instance], repetitions: 1));
        Assert.Equal(MixtureMethod.Robust, row.Solution.Method);
        Assert.NotNull(row.Reference);
        Assert.True(row.Ours.Mae <= row.Reference.Mae / 3, $"N_ivn {nIvn}, m {samples}: MAE {row.Ours.Mae:e3} vs SLSQP {row.Reference.Mae:e3}");
        Assert.True(row.Solution.PiPhi >= 0 && row.Solution.Pi.All(p => p >= 0) && row.Solution.Pi.Sum() <= 1 + 1e-12);
        foreach (var v in oracle.Network.Variables)
            Assert.Contains(Enumerable.Range(0, v.Cardinality), k => row.Solution.Pi[v.StateOffset + k] == 0);
    }

    /// <summary>
    /// The empirical-Bayes prior: ALARM has 105 states in 37 nodes, so 68 candidates. Oracle: the rule of
    /// succession (s + 1) / (C + 2) and the flat-Dirichlet mean 1 / (s + 1), by hand.
    /// </summary>
    [Fact]
    public void Robust_prior_follows_the_number_of_interventions_found()
    {
        var net = DiscreteData.Load("alarm");
        Assert.Equal(new MixturePrior(1.0 / 70, 1.0), MixturePrior.ForInterventions(net, 0));
        Assert.Equal(new MixturePrior(35.0 / 70, 1.0 / 35), MixturePrior.ForInterventions(net, 34));
        var pi = new double[net.StateCount];
        pi[3] = 0.2;
        pi[40] = 1e-9;
        Assert.Equal(MixturePrior.ForInterventions(net, 2), MixturePrior.FromProportions(net, pi));

        // The solve stops at a fixed point: one more pass under the prior of its answer changes nothing.
        var oracle = DiscreteData.Oracle("alarm");
        var instance = DimmInstance.Load(DiscreteData.Dir("dimm", "alarm-nivn34-m1e5-seed0.json"), net);
        var solution = MixtureSolver.Solve(oracle, instance.Mixture);
        var prior = MixturePrior.FromProportions(net, [.. solution.Pi]);
        var again = new double[net.StateCount];
        foreach (var j in net.TopologicalOrder)
        {
            var v = net.Variables[j];
            var b = new double[v.Cardinality];
            MixtureSolver.NodeTarget(oracle, j, instance.Mixture.Values, again, b);
            MixtureSolver.SolveNodeRobust(oracle.Base(j), b, MixtureSolver.RobustWeights(instance.Mixture.Of(j), instance.Samples), prior,
                again.AsSpan(v.StateOffset, v.Cardinality));
        }
        Assert.Equal(prior, MixturePrior.FromProportions(net, again));
    }

    /// <summary>Our metric definition (over the 105 pi and pi_phi) reproduces the reference's own figures from its recovered proportions.</summary>
    [Fact]
    public void Metrics_match_the_reference_definition()
    {
        var net = DiscreteData.Load("alarm");
        foreach (var path in DimmEvaluation.InstanceFiles(DiscreteData.Dir("dimm")))
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!;
            var instance = DimmInstance.Load(path, net);
            var slsqp = root["python_slsqp_direct"]!;
            var pi = new double[net.StateCount];
            foreach (var p in slsqp["recovered"]!.AsArray())
                pi[net.GlobalState((string)p!["node"]!, (string)p["state"]!)] = (double)p["pi"]!;
            var m = DimmMetrics.Compute(instance.TruePi, instance.TruePiPhi, pi, (double)slsqp["recovered_pi_phi"]!);
            Assert.Equal(instance.Reference!.Mae, m.Mae, 1e-12);
            Assert.Equal(instance.Reference.Mse, m.Mse, 1e-12);
            Assert.Equal(instance.Reference.MaxError, m.MaxError, 1e-12);
        }
    }

    /// <summary>The contract-format mixture files beside the instances carry the same marginals.</summary>
    [Fact]
    public void Mixture_files_and_instances_agree()
    {
        var net = DiscreteData.Load("alarm");
        var instance = DimmInstance.Load(DiscreteData.Dir("dimm", "alarm-nivn17-m1e6-seed0.json"), net);
        var file = MixtureMarginals.Load(DiscreteData.Dir("dimm", "alarm-nivn17-m1e6-seed0.mixture.json"), net);
        Assert.Equal(1_000_000, file.Samples);
        Assert.Equal(instance.Mixture.Values.ToArray(), file.Values.ToArray());
    }

    /// <summary>With a sample count far beyond the noise, the robust estimator must land on the exact answer.</summary>
    [Theory]
    [InlineData("alarm", 30)]
    [InlineData("child", 12)]
    public void Robust_estimator_is_consistent(string name, int interventions)
    {
        var oracle = DiscreteData.Oracle(name);
        for (var seed = 0; seed < 5; seed++)
        {
            var mix = MixtureGenerator.Random(oracle, interventions, 100 + seed);
            var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(oracle.Network, mix.Marginals, samples: 1_000_000_000_000));
            Assert.Equal(MixtureMethod.Robust, solution.Method);
            var m = DimmMetrics.Compute(mix.Pi, mix.PiPhi, solution.Pi, solution.PiPhi);
            Assert.True(m.MaxError <= 1e-8, $"seed {seed}: max error {m.MaxError:e2}");
        }
    }

    /// <summary>Sampled ALARM mixtures (m = 2e5, our own ancestral sampler): errors stay at the noise level.</summary>
    [Fact]
    public void Robust_estimator_on_sampled_marginals()
    {
        var oracle = DiscreteData.Oracle("alarm");
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var mix = MixtureGenerator.Random(oracle, 9, seed);
            var sampled = MixtureGenerator.Sample(oracle.Network, mix.PiPhi, mix.Pi, 200_000, seed);
            var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(oracle.Network, sampled, 200_000));
            var m = DimmMetrics.Compute(mix.Pi, mix.PiPhi, solution.Pi, solution.PiPhi);
            Assert.True(m.Mae < 2e-3, $"seed {seed}: MAE {m.Mae:e2}");
        }
    }

    [Fact]
    public void Greedy_and_exhaustive_node_solvers_agree_on_small_problems()
    {
        var rng = new Random(3);
        var agree = 0;
        for (var trial = 0; trial < 300; trial++)
        {
            var k = rng.Next(2, 6);
            var a = Enumerable.Range(0, k).Select(_ => rng.NextDouble() + 0.05).ToArray();
            var s = a.Sum();
            for (var t = 0; t < k; t++) a[t] /= s;
            var x = Enumerable.Range(0, k).Select(t => rng.NextDouble() < 0.5 ? rng.NextDouble() * 0.2 : 0).ToArray();
            x[rng.Next(k)] = 0;
            var b = new double[k];
            for (var t = 0; t < k; t++) b[t] = x[t] - a[t] * x.Sum() + (rng.NextDouble() - 0.5) * 1e-3;
            var bm = b.Average();
            for (var t = 0; t < k; t++) b[t] -= bm;
            var w = a.Select(p => 1e5 / p).ToArray();
            var prior = new MixturePrior(0.1, 0.1);
            var exhaustive = MixtureSolver.SolveNodeRobust(a, b, w, prior, exhaustive: true);
            var greedy = MixtureSolver.SolveNodeRobust(a, b, w, prior, exhaustive: false);
            Assert.Contains(exhaustive, v => v == 0);
            Assert.Contains(greedy, v => v == 0);
            if (exhaustive.Zip(greedy).All(p => Math.Abs(p.First - p.Second) < 1e-9)) agree++;
        }
        // Backward elimination is a heuristic; it must find the best subset nearly always.
        Assert.True(agree >= 290, $"agreed on {agree} of 300");
    }

    // ---- bad input -------------------------------------------------------------------------

    private static string AsiaMixture(Action<JsonObject> edit, bool withSamples = false)
    {
        var oracle = DiscreteData.Oracle("asia");
        var json = MixtureMarginals.Create(oracle.Network, oracle.BaseAll).ToJson();
        if (withSamples) json["samples"] = 1000;
        edit(json);
        return json.ToJsonString();
    }

    public static TheoryData<string, string[]> BadMixtures => new()
    {
        { AsiaMixture(j => j["marginals"]!["ghost"] = new JsonObject { ["yes"] = 1.0 }), ["unknown node 'ghost'"] },
        { AsiaMixture(j => j["marginals"]!["smoke"]!["perhaps"] = 0.0), ["'smoke'", "no state 'perhaps'"] },
        { AsiaMixture(j => j["marginals"]!.AsObject().Remove("xray")), ["'xray' is missing"] },
        { AsiaMixture(j => j["marginals"]!["xray"]!.AsObject().Remove("no")), ["'xray'", "state 'no' is missing"] },
        { AsiaMixture(j => j["marginals"]!["lung"]!["yes"] = 0.5), ["'lung'", "sum to", "not 1"] },
        { AsiaMixture(j => j["marginals"]!["lung"]!["yes"] = 0.5, withSamples: true), ["'lung'", "sum to", "not 1"] },
        { AsiaMixture(j => j["marginals"]!["lung"]!["yes"] = -0.1), ["'lung'", "'yes'", "outside [0, 1]"] },
        { AsiaMixture(j => j["marginals"]!["lung"]!["yes"] = "high"), ["'lung'", "'yes'", "not a probability"] },
        { AsiaMixture(j => j["samples"] = 0), ["samples"] },
        { AsiaMixture(j => j["samples"] = 12.5), ["samples"] },
        { AsiaMixture(j => j.Remove("marginals")), ["no 'marginals'"] },
        { "[1, 2]", ["'marginals'"] },
        { "{ not json", ["not valid JSON"] },
    };

    [Theory]
    [MemberData(nameof(BadMixtures))]
    public void Invalid_mixture_files_give_an_input_error(string json, string[] fragments)
    {
        var e = Assert.Throws<InputException>(() => MixtureMarginals.Parse(json, DiscreteData.Load("asia")));
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    /// <summary>A root that is certain (P(A = on) = 1) makes do(A = on) the unintervened network itself.</summary>
    private const string Degenerate = """
        network unknown { }
        variable A { type discrete [ 2 ] { on, off }; }
        variable B { type discrete [ 2 ] { yes, no }; }
        probability ( A ) { table 1.0, 0.0; }
        probability ( B | A ) { (on) 0.3, 0.7; (off) 0.9, 0.1; }
        """;

    [Fact]
    public void Non_identifiable_input_is_reported_naming_the_node()
    {
        var net = BifReader.Parse(Degenerate);
        var oracle = new ExactInference(net).AllInterventional();
        var e = Assert.Throws<InputException>(() => MixtureSolver.Solve(oracle, MixtureMarginals.Create(net, oracle.BaseAll)));
        Assert.Contains("node 'A'", e.Message);
        Assert.Contains("not identifiable", e.Message);

        // With mass on the impossible state, assumption 1 pins the node down again.
        var pi = new double[net.StateCount];
        pi[net.GlobalState("A", "off")] = 0.25;
        var solution = MixtureSolver.Solve(oracle, MixtureMarginals.Create(net, oracle.Mix(0.75, pi)));
        Assert.Equal(0.25, solution.Pi[net.GlobalState("A", "off")], 12);
        Assert.Equal(0.75, solution.PiPhi, 12);
    }

    [Fact]
    public void Inconsistent_marginals_are_reported_naming_the_node()
    {
        // Pollution = high everywhere needs pi(do(Pollution = high)) = 1, so Smoker cannot move as well.
        var oracle = DiscreteData.Oracle("cancer");
        var net = oracle.Network;
        var values = oracle.BaseAll.ToArray();
        values[net.GlobalState("Pollution", "low")] = 0;
        values[net.GlobalState("Pollution", "high")] = 1;
        values[net.GlobalState("Smoker", "True")] = 0.5;
        values[net.GlobalState("Smoker", "False")] = 0.5;
        var e = Assert.Throws<InputException>(() => MixtureSolver.Solve(oracle, MixtureMarginals.Create(net, values)));
        Assert.Contains("node 'Smoker'", e.Message);
        Assert.Contains("inconsistent", e.Message);

        // B far below anything a mixture can produce: its proportions would have to sum above 1.
        var deg = BifReader.Parse(Degenerate);
        var degOracle = new ExactInference(deg).AllInterventional();
        var pi = new double[deg.StateCount];
        pi[deg.GlobalState("A", "off")] = 0.5;
        var mixed = degOracle.Mix(0.5, pi);
        mixed[deg.GlobalState("B", "yes")] = 0.05;
        mixed[deg.GlobalState("B", "no")] = 0.95;
        e = Assert.Throws<InputException>(() => MixtureSolver.Solve(degOracle, MixtureMarginals.Create(deg, mixed)));
        Assert.Contains("node 'B'", e.Message);
    }
}
