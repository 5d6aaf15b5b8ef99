using System.IO.Compression;

namespace OrleansRca.Causal.Tests.Mediation;

/// <summary>
/// Oracle: tests/data/scm/linear20-r10000-s0.json (copied from shared/data/scm), DoWhy gcm's OLS fit
/// and its 5 x 10 NIE matrix on the same 10,000 rows (treated =1, untreated =0).
/// </summary>
public sealed class DoWhyReferenceTests
{
    private static readonly JsonObject Reference = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine("data", "scm", "linear20-r10000-s0.json")))!;

    private static (CausalModel Model, DataTable Data) Load()
    {
        var names = Reference["nodes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var parents = Reference["parents"]!.AsArray();
        var edges = new JsonArray();
        for (var c = 0; c < names.Count; c++)
            foreach (var p in parents[c]!.AsArray()) edges.Add(new JsonArray(p!.GetValue<string>(), names[c]));
        // No mechanisms: every non-root node is fitted by OLS, as DoWhy did.
        var model = ModelFile.FromJson(new JsonObject
        {
            ["name"] = "linear20",
            ["nodes"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject { ["name"] = n }).ToArray()),
            ["edges"] = edges,
        });
        using var gz = new GZipStream(File.OpenRead(Path.Combine("data", "scm", "linear20-r10000-s0-data.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return (model, CsvData.Parse(reader.ReadToEnd(), names, null, "linear20"));
    }

    [Fact]
    public void FittedCoefficientsEqualDoWhys()
    {
        var (model, data) = Load();
        var fitted = LeastSquares.FitMissing(model, data);
        var intercepts = Reference["fitted_intercept"]!.AsArray();
        var weights = Reference["fitted_weights"]!.AsArray();
        for (var v = 0; v < model.Count; v++)
        {
            if (intercepts[v] is null) { Assert.Null(fitted.Mechanisms[v]); continue; }
            var lin = Assert.IsType<LinearMechanism>(fitted.Mechanisms[v]);
            // sklearn's lstsq vs our QR: agreement to 1e-10 relative.
            Assert.Equal(intercepts[v]!.GetValue<double>(), lin.Intercept, 1e-10);
            var w = weights[v]!.AsArray();
            for (var k = 0; k < w.Count; k++) Assert.Equal(w[k]!.GetValue<double>(), lin.Weights[k], 1e-10);
        }
    }

    [Theory]
    [InlineData(EffectEngine.General)]
    [InlineData(EffectEngine.Linear)]
    public void NieMatrixEqualsDoWhys(EffectEngine engine)
    {
        var (model, data) = Load();
        var treatments = Reference["treatments"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        var mediators = Reference["mediators"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        var result = MediationEngine.Run(model, data, new MediationOptions
        {
            Treatments = treatments, Mediators = mediators, Outcome = Reference["outcome"]!.GetValue<string>(),
            Treated = InterventionSpec.Parse("=1"), Untreated = InterventionSpec.Parse("=0"), Engine = engine,
        });
        var matrix = Reference["nie_matrix_dowhy"]!.AsArray();
        var nonzero = 0;
        for (var i = 0; i < treatments.Length; i++)
            for (var j = 0; j < mediators.Length; j++)
            {
                var expected = matrix[i]![j]!.GetValue<double>();
                Assert.Equal(expected, result.Pair(treatments[i], mediators[j]).Mean, 1e-9);
                if (expected != 0) nonzero++;
            }
        Assert.Equal(8, nonzero); // the reference matrix has 8 non-zero entries
    }
}
