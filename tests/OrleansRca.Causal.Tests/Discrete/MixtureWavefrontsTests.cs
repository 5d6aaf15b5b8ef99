namespace OrleansRca.Causal.Tests.Discrete;

/// <summary>The per-node, level-parallel form of the mixture solve (what the cluster runs) against <see cref="MixtureSolver.Solve"/>.</summary>
public sealed class MixtureWavefrontsTests
{
    private static void AssertSame(MixtureSolution expected, MixtureSolution actual, string what)
    {
        // Oracle: the sequential solve; the per-node solves see only ancestors, whose terms are the only non-zero ones: same bits.
        Assert.True(expected.PiPhi == actual.PiPhi, $"{what}: pi_phi {expected.PiPhi:R} vs {actual.PiPhi:R}");
        Assert.Equal(expected.Method, actual.Method);
        for (var g = 0; g < expected.Pi.Count; g++)
            Assert.True(expected.Pi[g] == actual.Pi[g], $"{what}: pi[{g}] {expected.Pi[g]:R} vs {actual.Pi[g]:R}");
    }

    [Theory]
    [InlineData("alarm")]
    [InlineData("child")]
    [InlineData("sachs")]
    [InlineData("survey")]
    public void Exact_level_by_level_equals_the_sequential_solve_bit_for_bit(string name)
    {
        var oracle = DiscreteData.Oracle(name);
        foreach (var interventions in new[] { 0, 2, 7, 20 })
            for (var seed = 0; seed < 3; seed++)
            {
                var mix = MixtureGenerator.Random(oracle, interventions, seed * 17 + interventions);
                var mixture = MixtureMarginals.Create(oracle.Network, mix.Marginals);
                AssertSame(MixtureSolver.Solve(oracle, mixture), MixtureWavefronts.Solve(oracle, mixture), $"{name}/{interventions}/{seed}");
            }
    }

    [Theory]
    [InlineData("alarm", 9)]
    [InlineData("child", 4)]
    public void Robust_level_by_level_equals_the_sequential_solve_bit_for_bit(string name, int interventions)
    {
        var oracle = DiscreteData.Oracle(name);
        for (var seed = 0; seed < 2; seed++)
        {
            var mix = MixtureGenerator.Random(oracle, interventions, seed);
            var sampled = MixtureGenerator.Sample(oracle.Network, mix.PiPhi, mix.Pi, 50_000, seed);
            var mixture = MixtureMarginals.Create(oracle.Network, sampled, 50_000);
            AssertSame(MixtureSolver.Solve(oracle, mixture), MixtureWavefronts.Solve(oracle, mixture), $"{name}/{seed}");
        }
    }

    [Fact]
    public void A_generated_network_of_hundreds_of_states_gives_the_same_bits()
    {
        var net = NetworkGenerator.Random(120, 11);
        var oracle = new ExactInference(net).AllInterventional();
        var mixture = MixtureMarginals.Create(net, MixtureGenerator.Random(oracle, 40, 5).Marginals);
        AssertSame(MixtureSolver.Solve(oracle, mixture), MixtureWavefronts.Solve(oracle, mixture), "generated");
    }

    [Fact]
    public void Inconsistent_marginals_fail_with_the_sequential_solves_message()
    {
        // Every root on its least likely state: each root alone is solvable, together they exceed 1.
        var oracle = DiscreteData.Oracle("alarm");
        var net = oracle.Network;
        var values = oracle.BaseAll.ToArray();
        foreach (var v in net.Variables.Where(v => v.Parents.Count == 0))
        {
            var block = values.AsSpan(v.StateOffset, v.Cardinality);
            var rare = block.IndexOf(System.Linq.Enumerable.Min(block.ToArray()));
            block.Clear();
            block[rare] = 1;
        }
        var mixture = MixtureMarginals.Create(net, values);
        var sequential = Assert.Throws<InputException>(() => MixtureSolver.Solve(oracle, mixture));
        var levels = Assert.Throws<InputException>(() => MixtureWavefronts.Solve(oracle, mixture));
        Assert.Equal(sequential.Message, levels.Message);
    }

    [Theory]
    [InlineData("alarm")]
    [InlineData("child")]
    public void Levels_put_every_parent_in_an_earlier_level_and_cover_every_node_once(string name)
    {
        var net = DiscreteData.Load(name);
        var levels = MixtureWavefronts.Levels(net);
        var levelOf = new int[net.Count];
        Array.Fill(levelOf, -1);
        for (var l = 0; l < levels.Length; l++)
            foreach (var j in levels[l])
            {
                Assert.Equal(-1, levelOf[j]);
                levelOf[j] = l;
            }
        Assert.DoesNotContain(-1, levelOf);
        foreach (var v in net.Variables)
            foreach (var p in v.Parents) Assert.True(levelOf[p] < levelOf[v.Index], $"{net.Variables[p].Name} -> {v.Name}");
        Assert.True(levels.Length > 1);
    }
}
