using Xunit.Abstractions;

namespace OrleansRca.Cluster.Tests;

/// <summary>Contract section 6 for the discrete analyses: a disentanglement survives the loss of a silo mid-analysis.</summary>
[Collection(FailoverCollection.Name)]
public sealed class DiscreteFailoverTests(FailoverClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>A generated network large enough (many levels, ~1000 states) that a silo can be killed mid-analysis.</summary>
    private static readonly Lazy<(string Bif, JsonObject Request)> Large = new(() =>
    {
        var network = NetworkGenerator.Random(300, 3);
        var bif = ToBif(network);
        var parsed = BifReader.Parse(bif);
        var oracle = new ExactInference(parsed).AllInterventional();
        var mixture = MixtureMarginals.Create(parsed, MixtureGenerator.Random(oracle, 60, 8).Marginals).ToJson();
        return (bif, TestDiscrete.Disentanglement(bif, mixture));
    });

    [Fact]
    public async Task A_disentanglement_survives_killing_the_orchestrators_silo_and_resumes_from_its_pieces()
    {
        await fixture.EnsureThreeSilosAsync();
        var request = Large.Value.Request;
        var clock = Stopwatch.StartNew();
        var expected = TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request);
        output.WriteLine($"{clock.Elapsed}: core result");

        // The primary silo holds the test cluster's membership and must live: the orchestrator goes elsewhere.
        var primary = fixture.PrimarySilo;
        var (id, home) = await fixture.PlaceOrchestratorAsync(s => s != primary);

        clock.Restart();
        var submitted = await fixture.SubmitAsync(id, AnalysisKinds.Disentanglement, request.ToJsonString());
        Assert.True(submitted.Stage == AnalysisStage.Queued, $"{submitted.Stage}: {submitted.Error}");

        // At 0.5 the marginals phase is done and persisted; the wavefronts are under way.
        var (final, atKill, firstAfterKill) = await fixture.WaitKillingAsync(id, fixture.Silo(home), 0.5, m => output.WriteLine($"{clock.Elapsed}: {m}"));

        Assert.True(atKill is not null, $"the analysis finished before a silo could be killed ({final.Stage}); make the network larger");
        Assert.True(final.Stage == AnalysisStage.Succeeded, $"{final.Stage}: {final.Error}");
        // Oracle: MixtureSolver.Solve in this process; tolerance 1e-12 relative.
        JsonAssert.Equal(expected, JsonNode.Parse(final.ResultJson!));
        if (firstAfterKill is not null)
            // Resumed from the persisted interventional marginals, not from scratch.
            Assert.True(firstAfterKill.Progress >= 0.5, $"restarted from {firstAfterKill.Progress}");
    }

    /// <summary>A network as BIF text, every CPT row written out with its parent states (round-trip number format).</summary>
    private static string ToBif(BayesianNetwork network)
    {
        var text = new StringBuilder($"network {network.Name} {{\n}}\n");
        foreach (var v in network.Variables)
            text.Append($"variable {v.Name} {{\n  type discrete [ {v.Cardinality} ] {{ {string.Join(", ", v.States)} }};\n}}\n");
        foreach (var v in network.Variables)
        {
            var parents = v.Parents.Select(p => network.Variables[p]).ToArray();
            var cpt = v.Cpt.ToArray();
            string Row(int r) => string.Join(", ", cpt.Skip(r * v.Cardinality).Take(v.Cardinality).Select(p => p.ToString("R", CultureInfo.InvariantCulture)));
            if (parents.Length == 0)
            {
                text.Append($"probability ( {v.Name} ) {{\n  table {Row(0)};\n}}\n");
                continue;
            }
            text.Append($"probability ( {v.Name} | {string.Join(", ", parents.Select(p => p.Name))} ) {{\n");
            var rows = cpt.Length / v.Cardinality;
            for (var r = 0; r < rows; r++)
            {
                var labels = new string[parents.Length];
                for (int t = parents.Length - 1, rest = r; t >= 0; t--)
                {
                    labels[t] = parents[t].States[rest % parents[t].Cardinality];
                    rest /= parents[t].Cardinality;
                }
                text.Append($"  ({string.Join(", ", labels)}) {Row(r)};\n");
            }
            text.Append("}\n");
        }
        return text.ToString();
    }
}
