using OrleansRca.Causal.Tests.Mediation;

namespace OrleansRca.Causal.Tests.Counterfactuals;

/// <summary>Oracle: the row-by-row reference simulator (ReferenceScm) under the same intervention.</summary>
public sealed class PropagatorTests
{
    [Theory]
    [InlineData(300)]      // one chunk
    [InlineData(20_000)]   // ten chunks: the parallel path
    public void AbductAndPropagateEqualTheReference(int rows)
    {
        var scm = new ReferenceScm();
        foreach (var n in new[] { "A", "B", "C", "D", "E" }) scm.Node(n);
        foreach (var (p, c) in new[] { ("A", "B"), ("A", "C"), ("B", "C"), ("C", "D"), ("B", "E"), ("D", "E") }) scm.Edge(p, c);
        var random = new Random(8);
        foreach (var n in new[] { "B", "C", "D", "E" }) scm.RandomNonlinear(random, n);
        var sample = scm.Sample(random, rows, (_, r) => MediationConfigurationTests.Normal(r));
        var model = ModelFile.FromJson(scm.ToModelJson());
        var data = scm.Names.Select(n => sample.Select(r => r[n]).ToArray()).ToArray();

        var noise = Propagator.Abduct(model, data);
        var forcedB = data[1].Select(x => x + 1).ToArray();
        var nodes = new[] { 2, 3, 4 }; // C, D, E downstream of the forced B
        var fresh = new double[5][];
        fresh[0] = data[0];
        fresh[1] = forcedB;
        Propagator.Propagate(model, nodes, noise, fresh!, rows);
        var scratch = new double[5][];
        scratch[0] = data[0];
        scratch[1] = forcedB;
        Propagator.Propagate(model, nodes, noise, scratch!, rows, keep: new HashSet<int> { 4 });
        Assert.Null(scratch[2]);
        var reused = (double[]?[])fresh.Clone();
        var before = reused[4];
        Propagator.Propagate(model, nodes, noise, reused, rows, reuseOutputs: true);
        Assert.Same(before, reused[4]);

        for (var r = 0; r < rows; r += rows / 100)
        {
            var u = scm.Abduct(sample[r]);
            Assert.Equal(u["C"], noise[2][r], 1e-12);
            var world = scm.Simulate(u, new Dictionary<string, double> { ["B"] = sample[r]["B"] + 1 });
            Assert.Equal(world["E"], fresh[4]![r], 1e-10);
            Assert.Equal(world["D"], fresh[3]![r], 1e-10);
            Assert.Equal(fresh[4]![r], scratch[4]![r]);
            Assert.Equal(fresh[4]![r], reused[4]![r]);
        }
    }
}
