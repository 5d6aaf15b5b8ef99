namespace OrleansRca.Causal.Tests.Discrete;

public sealed class ExactInferenceTests
{
    /// <summary>
    /// Oracle: tests/data/alarm-marginals.json, pgmpy 0.1.26 VariableElimination on BayesianNetwork.do([i])
    /// with evidence X_i = a (raw CPDs, barren nodes pruned, each marginal normalised). Tolerance 1e-9 on
    /// every base and every interventional marginal, HREKG and HRSAT (rows summing to 0.9999999) included.
    /// </summary>
    [Fact]
    public void Alarm_matches_pgmpy_reference_to_1e9()
    {
        var net = DiscreteData.Load("alarm");
        var reference = JsonNode.Parse(File.ReadAllText(DiscreteData.Dir("alarm-marginals.json")))!;
        var states = reference["states"]!.AsObject();
        Assert.Equal(net.Count, states.Count);
        foreach (var (node, list) in states)
            Assert.Equal(list!.AsArray().Select(s => (string)s!), net[node].States);

        var all = new ExactInference(net).AllInterventional();
        var worst = 0.0;
        var compared = 0;
        foreach (var (node, row) in reference["base"]!.AsObject())
        {
            worst = Math.Max(worst, MaxDiff(row!, all.Base(net.IndexOf(node))));
            compared++;
        }
        foreach (var (i, byState) in reference["do"]!.AsObject())
            foreach (var (a, byTarget) in byState!.AsObject())
                foreach (var (j, row) in byTarget!.AsObject())
                {
                    worst = Math.Max(worst, MaxDiff(row!, all.Do(net.IndexOf(i), net[i].StateIndex(a), net.IndexOf(j))));
                    compared++;
                }
        Assert.Equal(37 + 105 * 37, compared);
        Assert.True(worst <= 1e-9, $"max abs difference {worst:e3}");
    }

    /// <summary>Oracle: enumeration of the full joint of the truncated factorisation (BruteForce.FullJoint); tolerance 1e-12.</summary>
    [Theory]
    [InlineData("asia")]
    [InlineData("cancer")]
    [InlineData("earthquake")]
    [InlineData("survey")]
    public void Interventional_marginals_equal_full_joint_enumeration(string name)
    {
        var net = DiscreteData.Load(name);
        AssertEqualsFullJoint(net, name);
    }

    /// <summary>
    /// Sachs has rounded rows (sums 1 +- 1e-7) on nodes with children, so pgmpy's convention (raw rows over
    /// each query's ancestral set) differs from a normalised joint. Oracle: BruteForce.PgmpyConvention,
    /// written from that definition; tolerance 1e-12.
    /// </summary>
    [Fact]
    public void Sachs_follows_pgmpy_convention_for_unnormalised_rows_with_children()
    {
        var net = DiscreteData.Load("sachs");
        var all = new ExactInference(net).AllInterventional();
        AssertClose(BruteForce.PgmpyConvention(net, -1, 0), j => all.Base(j), 1e-12, "sachs base");
        var conventionMatters = 0.0;
        foreach (var v in net.Variables)
            for (var a = 0; a < v.Cardinality; a++)
            {
                var expected = BruteForce.PgmpyConvention(net, v.Index, a);
                AssertClose(expected, j => all.Do(v.Index, a, j), 1e-12, $"sachs do({v.Name}={v.States[a]})");
                var normalisedJoint = BruteForce.FullJoint(net, v.Index, a);
                for (var j = 0; j < net.Count; j++)
                    for (var k = 0; k < expected[j].Length; k++)
                        conventionMatters = Math.Max(conventionMatters, Math.Abs(expected[j][k] - normalisedJoint[j][k]));
            }
        // The convention is visible at this precision, so the test above does discriminate.
        Assert.True(conventionMatters > 1e-10, $"conventions differ by only {conventionMatters:e2}");
    }

    /// <summary>Random networks with several parents per node (cliques of up to 4 variables); oracle: full joint enumeration, 1e-12.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_networks_equal_full_joint_enumeration(int seed)
    {
        var net = NetworkGenerator.Random(9, seed, minStates: 2, maxStates: 3, maxParents: 3, window: 5);
        AssertEqualsFullJoint(net, $"seed {seed}");
    }

    /// <summary>Several components and a single-node one (empty separators in the tree); oracle: full joint enumeration, 1e-12.</summary>
    [Fact]
    public void Disconnected_networks_equal_full_joint_enumeration()
    {
        var net = BifReader.Parse("""
            variable A { type discrete [ 2 ] { a0, a1 }; }
            variable B { type discrete [ 3 ] { b0, b1, b2 }; }
            variable C { type discrete [ 2 ] { c0, c1 }; }
            variable D { type discrete [ 2 ] { d0, d1 }; }
            variable E { type discrete [ 4 ] { e0, e1, e2, e3 }; }
            probability ( A ) { table 0.3, 0.7; }
            probability ( B | A ) { (a0) 0.2, 0.3, 0.5; (a1) 0.6, 0.3, 0.1; }
            probability ( C ) { table 0.9, 0.1; }
            probability ( D | C ) { (c0) 0.4, 0.6; (c1) 0.05, 0.95; }
            probability ( E ) { table 0.1, 0.2, 0.3, 0.4; }
            """);
        AssertEqualsFullJoint(net, "disconnected");
    }

    [Fact]
    public void Single_queries_agree_with_the_batch()
    {
        var net = DiscreteData.Load("child");
        var inference = new ExactInference(net);
        var all = inference.AllInterventional();
        var observed = inference.Marginals();
        foreach (var v in net.Variables)
        {
            Assert.Equal(all.Base(v.Index).ToArray(), observed[v.Index]);
            for (var a = 0; a < v.Cardinality; a++)
            {
                var single = inference.Marginals(v.Index, a);
                for (var j = 0; j < net.Count; j++)
                    Assert.Equal(all.Do(v.Index, a, j).ToArray(), single[j]);
            }
        }
    }

    [Fact]
    public void Every_marginal_sums_to_one_and_the_intervened_node_is_certain()
    {
        foreach (var name in DiscreteData.Networks)
        {
            var net = DiscreteData.Load(name);
            var all = new ExactInference(net).AllInterventional();
            foreach (var v in net.Variables)
                for (var a = 0; a < v.Cardinality; a++)
                {
                    Assert.Equal(1.0, all.Do(v.Index, a, v.Index)[a]);
                    for (var j = 0; j < net.Count; j++)
                        Assert.InRange(Sum(all.Do(v.Index, a, j)), 1 - 1e-12, 1 + 1e-12);
                }
        }
    }

    [Fact]
    public void Too_dense_networks_are_refused_with_a_clear_error()
    {
        var net = NetworkGenerator.Random(40, 7, minStates: 4, maxStates: 5, maxParents: 6, window: 20);
        var e = Assert.Throws<InputException>(() => new ExactInference(net, maxCliqueEntries: 100_000));
        Assert.Contains("too densely connected", e.Message);
    }

    private static double Sum(ReadOnlySpan<double> x)
    {
        var s = 0.0;
        foreach (var v in x) s += v;
        return s;
    }

    private delegate ReadOnlySpan<double> Row(int j);

    /// <summary>Every marginal, observational and under each do(X = a), against full joint enumeration; tolerance 1e-12.</summary>
    private static void AssertEqualsFullJoint(BayesianNetwork net, string label)
    {
        var all = new ExactInference(net).AllInterventional();
        AssertClose(BruteForce.FullJoint(net, -1, 0), j => all.Base(j), 1e-12, $"{label} base");
        foreach (var v in net.Variables)
            for (var a = 0; a < v.Cardinality; a++)
                AssertClose(BruteForce.FullJoint(net, v.Index, a), j => all.Do(v.Index, a, j), 1e-12, $"{label} do({v.Name}={v.States[a]})");
    }

    private static void AssertClose(double[][] expected, Row actual, double tolerance, string what)
    {
        for (var j = 0; j < expected.Length; j++)
        {
            var row = actual(j);
            for (var k = 0; k < expected[j].Length; k++)
                Assert.True(Math.Abs(expected[j][k] - row[k]) <= tolerance,
                    $"{what}: node #{j} state #{k}: expected {expected[j][k]:R}, got {row[k]:R}");
        }
    }

    private static double MaxDiff(JsonNode expected, ReadOnlySpan<double> actual)
    {
        var e = expected.AsArray().Select(x => (double)x!).ToArray();
        Assert.Equal(e.Length, actual.Length);
        var worst = 0.0;
        for (var k = 0; k < e.Length; k++) worst = Math.Max(worst, Math.Abs(e[k] - actual[k]));
        return worst;
    }
}
