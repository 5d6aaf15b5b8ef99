namespace OrleansRca.Causal.Tests.Mediation;

/// <summary>The three shapes of the paper's section 3.4, checked against closed forms and the brute force.</summary>
public sealed class MediationShapeTests
{
    private static (CausalModel Model, DataTable Data, List<Dictionary<string, double>> Rows) Build(ReferenceScm scm, int seed, int rows = 300)
    {
        var random = new Random(seed);
        var sample = scm.Sample(random, rows, (n, r) => (n == "T" ? 2.0 : 0.0) + MediationConfigurationTests.Normal(r));
        var model = ModelFile.FromJson(scm.ToModelJson());
        return (model, CsvData.ParseFor(model, scm.ToCsv(sample)), sample);
    }

    private static ReferenceScm Shape(params (string, string)[] edges)
    {
        var scm = new ReferenceScm();
        scm.Node("T", "treatment"); scm.Node("M1", "mediator"); scm.Node("M2", "mediator"); scm.Node("O", "outcome");
        foreach (var (p, c) in edges) scm.Edge(p, c);
        return scm;
    }

    [Fact]
    public void SeriesMediatorsHaveEqualNie_Eq5()
    {
        // T -> M1 -> M2 -> O with nonlinear links: M2 carries exactly what M1 carries.
        var scm = Shape(("T", "M1"), ("M1", "M2"), ("M2", "O"), ("T", "O"));
        var random = new Random(5);
        foreach (var n in new[] { "M1", "M2", "O" }) scm.RandomNonlinear(random, n);
        var (model, data, rows) = Build(scm, 6);
        var result = MediationEngine.Run(model, data, new MediationOptions());
        Assert.NotEqual(0, result.Pair("T", "M1").Mean);
        Assert.Equal(result.Pair("T", "M1").Mean, result.Pair("T", "M2").Mean, 1e-12);
        var reference = scm.Mediation(rows, ["T"], ["M1", "M2"], "O", x => 1.5 * x, x => x);
        Assert.Equal(reference.Nie[("T", "M2")], result.Pair("T", "M2").Mean, 1e-10);
    }

    [Fact]
    public void ParallelMediatorsEachCarryTheirOwnPath_Eq7()
    {
        // Linear: NIE(T, M_j) = w(T->M_j) * w(M_j->O) * mean(delta); the other mediator stays untreated.
        var scm = Shape(("T", "M1"), ("T", "M2"), ("M1", "O"), ("M2", "O"), ("T", "O"));
        Linear(scm, "M1", 0.1, ("T", 2.0));
        Linear(scm, "M2", -0.3, ("T", -1.5));
        Linear(scm, "O", 1.0, ("M1", 0.7), ("M2", 0.4), ("T", 3.0));
        var (model, data, rows) = Build(scm, 7);
        var result = MediationEngine.Run(model, data, new MediationOptions { Engine = EffectEngine.General });
        var meanDelta = rows.Average(r => 0.5 * r["T"]);
        Assert.Equal(2.0 * 0.7 * meanDelta, result.Pair("T", "M1").Mean, 1e-10);
        Assert.Equal(-1.5 * 0.4 * meanDelta, result.Pair("T", "M2").Mean, 1e-10);
        Assert.Equal(3.0 * meanDelta, result.Effect("T").NdeMean, 1e-10);
        Assert.Equal((3.0 + 2.0 * 0.7 - 1.5 * 0.4) * meanDelta, result.Effect("T").TeMean, 1e-10);
    }

    [Fact]
    public void TreatmentAsConfounder_Eq8()
    {
        // T -> M1 -> M2 -> O and T -> M2: NIE(M1) runs only through M2; NIE(M2) carries both routes.
        var scm = Shape(("T", "M1"), ("M1", "M2"), ("T", "M2"), ("M2", "O"));
        Linear(scm, "M1", 0, ("T", 1.2));
        Linear(scm, "M2", 0, ("M1", 0.5), ("T", -2.0));
        Linear(scm, "O", 0, ("M2", 1.5));
        var (model, data, rows) = Build(scm, 8);
        var result = MediationEngine.Run(model, data, new MediationOptions { Engine = EffectEngine.General });
        var meanDelta = rows.Average(r => 0.5 * r["T"]);
        Assert.Equal(1.2 * 0.5 * 1.5 * meanDelta, result.Pair("T", "M1").Mean, 1e-10);
        Assert.Equal((-2.0 + 1.2 * 0.5) * 1.5 * meanDelta, result.Pair("T", "M2").Mean, 1e-10);

        // Nonlinear version against the brute force.
        var random = new Random(9);
        foreach (var n in new[] { "M1", "M2", "O" }) scm.RandomNonlinear(random, n);
        (model, data, rows) = Build(scm, 10);
        result = MediationEngine.Run(model, data, new MediationOptions());
        var reference = scm.Mediation(rows, ["T"], ["M1", "M2"], "O", x => 1.5 * x, x => x);
        Assert.Equal(reference.Nie[("T", "M1")], result.Pair("T", "M1").Mean, 1e-10);
        Assert.Equal(reference.Nie[("T", "M2")], result.Pair("T", "M2").Mean, 1e-10);
    }

    [Theory]
    [InlineData("+50%", "observed")]
    [InlineData("-20%", "+1")]
    [InlineData("+2.5", "-1")]
    [InlineData("=1", "=0")]
    public void SpecsMatchTheBruteForce(string treated, string untreated)
    {
        var scm = Shape(("T", "M1"), ("M1", "M2"), ("T", "M2"), ("M2", "O"), ("M1", "O"));
        var random = new Random(11);
        foreach (var n in new[] { "M1", "M2", "O" }) scm.RandomNonlinear(random, n);
        var (model, data, rows) = Build(scm, 12, 100);
        var tr = InterventionSpec.Parse(treated);
        var un = InterventionSpec.Parse(untreated);
        var result = MediationEngine.Run(model, data, new MediationOptions { Treated = tr, Untreated = un });
        var reference = scm.Mediation(rows, ["T"], ["M1", "M2"], "O", tr.Apply, un.Apply);
        Assert.Equal(reference.Nie[("T", "M1")], result.Pair("T", "M1").Mean, 1e-10);
        Assert.Equal(reference.Nie[("T", "M2")], result.Pair("T", "M2").Mean, 1e-10);
        Assert.Equal(reference.Te["T"], result.Effect("T").TeMean, 1e-10);
        Assert.Equal(reference.Nde["T"], result.Effect("T").NdeMean, 1e-10);
        Assert.Equal(result.Pair("T", "M1").Mean * 100, result.Pair("T", "M1").Total, 1e-9);
    }

    internal static void Linear(ReferenceScm scm, string node, double intercept, params (string Parent, double Weight)[] weights)
    {
        scm.F[node] = env => intercept + weights.Sum(w => w.Weight * env[w.Parent]);
        var w = new System.Text.Json.Nodes.JsonObject();
        foreach (var (p, v) in weights) w[p] = v;
        scm.Mechanism[node] = new System.Text.Json.Nodes.JsonObject { ["kind"] = "linear", ["intercept"] = intercept, ["weights"] = w };
    }
}
