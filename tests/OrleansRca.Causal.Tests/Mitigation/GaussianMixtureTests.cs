using System.Text.Json.Nodes;
using OrleansRca.Causal.Mitigation;
using OrleansRca.Causal.Synthetic;
using OrleansRca.Causal.Tests.Discrete;

namespace OrleansRca.Causal.Tests.Mitigation;

/// <summary>
/// The mixture detector's EM against scikit-learn's GaussianMixture (tests/data/gmm/reference.json, written by
/// make_reference.py beside it): from the same start, the same optimum; by BIC, the same number of components.
/// </summary>
public sealed class GaussianMixtureTests
{
    private static readonly JsonNode Reference = JsonNode.Parse(File.ReadAllText(DiscreteData.Dir("gmm", "reference.json")))!;

    private static double[][] Columns => Reference["columns"]!.AsArray().Select(c => c!.AsArray().Select(v => (double)v!).ToArray()).ToArray();

    private static double[] Numbers(JsonNode? node) => node!.AsArray().Select(v => (double)v!).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void From_sklearns_start_EM_reaches_sklearns_optimum(int k)
    {
        var z = Columns;
        var d = z.Length;
        var n = z[0].Length;
        var means = Reference["start"]![k.ToString()]!.AsArray().Select(Numbers).ToArray();
        var identity = Enumerable.Range(0, k).Select(_ => Enumerable.Range(0, d * d).Select(i => i % (d + 1) == 0 ? 1.0 : 0).ToArray()).ToArray();
        var start = new GaussianMixture.Components(Enumerable.Repeat(1.0 / k, k).ToArray(), means, identity, double.NegativeInfinity);
        // Run to sklearn's tolerance (the detector stops at a relative 1e-7, where EM's slow tail is still moving
        // the parameters in the fourth decimal).
        var fit = GaussianMixture.Em(z, start, tolerance: 1e-15, maxIterations: 20_000);
        Assert.NotNull(fit);
        var expected = Reference["fits"]![k.ToString()]!;
        Assert.Equal((double)expected["mean_log_likelihood"]!, fit.LogLikelihood / n, 10);
        for (var c = 0; c < k; c++)
        {
            Assert.Equal(Numbers(expected["weights"])[c], fit.Weights[c], 6);
            var mean = Numbers(expected["means"]![c]);
            var covariance = expected["covariances"]![c]!.AsArray().SelectMany(Numbers).ToArray();
            for (var j = 0; j < d; j++) Assert.Equal(mean[j], fit.Means[c][j], 6);
            for (var j = 0; j < d * d; j++) Assert.Equal(covariance[j], fit.Covariances[c][j], 6);
        }
    }

    [Fact]
    public void BIC_chooses_the_size_sklearn_chooses_and_a_refit_is_identical()
    {
        var z = Columns;
        var n = z[0].Length;
        var bic = Reference["bic"]!.AsObject().ToDictionary(p => int.Parse(p.Key), p => (double)p.Value!);
        var sklearnChoice = bic.MinBy(p => p.Value).Key;
        var centered = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, z.Length, (r, j) => z[j][r] - z[j].Average());
        var sd = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(z.Length, j => Math.Sqrt(z[j].Select(v => Math.Pow(v - z[j].Average(), 2)).Sum() / (n - 1)));
        var parts = GaussianMixture.Fit(centered, sd, null, seed: 0);
        Assert.Equal(sklearnChoice, parts.Count);
        var again = GaussianMixture.Fit(centered, sd, null, seed: 0);
        for (var c = 0; c < parts.Count; c++)
        {
            Assert.Equal(parts[c].Center.ToArray(), again[c].Center.ToArray());
            Assert.Equal(parts[c].Form.ToRowMajorArray(), again[c].Form.ToRowMajorArray());
        }
    }

    [Fact]
    public void EM_gives_the_same_bits_every_time()
    {
        // The Adult SCM's coded nodes make narrow components, under which scattered rows have log densities below
        // -708. There the vector exp used to fall back to scalar code for a vector's worth of neighbours chosen by
        // the buffers' addresses, and repeated fits differed in the 14th digit.
        var scm = new AdultScm();
        var normal = scm.Generate(10_000, 0, 0);
        var z = scm.DetectorNodes!.Select(node => Standardised(normal.Data[node])).ToArray();
        var start = GaussianMixture.Start(z, 3, seed: 0);
        GaussianMixture.Components? first = null;
        for (var run = 0; run < 6; run++)
        {
            var copy = z.Select(c => (double[])c.Clone()).ToArray(); // buffers at other addresses each time
            var fit = GaussianMixture.Em(copy, start);
            Assert.NotNull(fit);
            first ??= fit;
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.LogLikelihood), BitConverter.DoubleToInt64Bits(fit.LogLikelihood));
            for (var c = 0; c < 3; c++)
            {
                Assert.Equal(first.Weights[c], fit.Weights[c]);
                Assert.Equal(first.Means[c], fit.Means[c]);
                Assert.Equal(first.Covariances[c], fit.Covariances[c]);
            }
        }
    }

    private static double[] Standardised(double[] column)
    {
        var mean = column.Average();
        var sd = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / (column.Length - 1));
        return column.Select(v => (v - mean) / sd).ToArray();
    }
}
