namespace OrleansRca.Causal.Tests.Discovery;

/// <summary>A discovered graph feeds mediation: its effects are close to those of the true graph on the same data.</summary>
public sealed class DiscoveredMediationTests
{
    [Fact]
    public void DiscoveredModelGivesTheTrueGraphsEffects()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting
        {
            Nodes = 15, ExpectedEdges = 22, ObservationalRows = 1000, Regimes = 8, RowsPerRegime = 100,
        }, 41);
        var truth = instance.Truth.Graph;
        var discovered = CausalDiscovery.Discover(instance.Data, instance.Sources);
        // Round trip through the model file, as `discover --out` and `mediate --model` do.
        var model = ModelFile.Parse(ModelFile.ToJson(CausalDiscovery.ToModel(discovered, instance.Data)).ToJsonString());

        // The outcome with the most ancestors; a root among them as treatment; the nodes between as mediators.
        var outcome = Enumerable.Range(0, truth.Count).OrderByDescending(v => truth.Ancestors([v]).Count(x => x)).First();
        var ancestors = truth.Ancestors([outcome]);
        var treatment = Enumerable.Range(0, truth.Count).Where(v => ancestors[v] && v != outcome && truth.IsRoot(v))
            .OrderByDescending(v => truth.Descendants([v]).Count(x => x)).First();
        var between = truth.Descendants([treatment]);
        var mediators = Enumerable.Range(0, truth.Count).Where(v => between[v] && ancestors[v] && v != treatment && v != outcome)
            .Select(v => truth.Names[v]).ToList();
        Assert.NotEmpty(mediators);
        var options = new MediationOptions
        {
            Treatments = [truth.Names[treatment]], Mediators = mediators, Outcome = truth.Names[outcome],
            Treated = new InterventionSpec(InterventionKind.Additive, 1.0),
        };
        // The true graph with mechanisms fitted from the same observational data.
        var trueModel = instance.Truth.WithMechanisms(new Mechanism?[truth.Count]);
        var expected = MediationEngine.Run(trueModel, instance.Data[0], options);
        var found = MediationEngine.Run(model, instance.Data[0], options);

        var te = expected.Effect(truth.Names[treatment]).TeMean;
        Assert.True(Math.Abs(te) > 0.3, $"the chosen treatment has a total effect ({te})");
        var scale = Math.Abs(te);
        Assert.Equal(te, found.Effect(truth.Names[treatment]).TeMean, 0.1 * scale);
        Assert.Equal(expected.Effect(truth.Names[treatment]).NdeMean, found.Effect(truth.Names[treatment]).NdeMean, 0.1 * scale);
        foreach (var m in mediators)
            Assert.Equal(expected.Pair(truth.Names[treatment], m).Mean, found.Pair(truth.Names[treatment], m).Mean, 0.1 * scale);
    }
}
