using MathNet.Numerics.Distributions;

namespace OrleansRca.Causal.Tests.RootCause;

/// <summary>Per-node fitting: family choice by held-out error, and what it reports by name.</summary>
public sealed class NodeFitterTests
{
    private static CausalModel Model(string[] parents, string child = "y") => ModelFile.Parse(
        "{\"nodes\":[" + string.Join(",", parents.Append(child).Select(n => $"{{\"name\":\"{n}\"}}")) + "],\"edges\":[" +
        string.Join(",", parents.Select(p => $"[\"{p}\",\"{child}\"]")) + "]}");

    private static double[] Gaussian(int n, int seed, double sd = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Normal.Sample(random, 0, sd)).ToArray();
    }

    [Fact]
    public void Linear_data_stay_linear_and_nonlinear_data_get_a_flexible_family_with_a_smaller_held_out_error()
    {
        var x = Gaussian(3000, 1);
        var z = Gaussian(3000, 2);
        var e = Gaussian(3000, 3, 0.3);
        var linear = new DataTable(["x", "z", "y"], [x, z, x.Select((v, i) => 2 * v - z[i] + e[i]).ToArray()]);
        var fit = NodeFitter.Fit(Model(["x", "z"]), 2, linear);
        Assert.Equal("linear", fit.Quality.Family);
        Assert.Equal(0.3, fit.Quality.HeldOutRmse, 0.02);

        // A maximum and an interaction (the microservice's max, the Loan's G·E).
        var nonlinear = new DataTable(["x", "z", "y"], [x, z, x.Select((v, i) => Math.Max(v, z[i]) + v * z[i] + e[i]).ToArray()]);
        var flexible = NodeFitter.Fit(Model(["x", "z"]), 2, nonlinear);
        Assert.NotEqual("linear", flexible.Quality.Family);
        Assert.True(flexible.Quality.HeldOutRmse < 0.5 * flexible.Quality.LinearRmse);
        Assert.Equal(0.3, flexible.Quality.HeldOutRmse, 0.05);
        // The noise distribution comes from out-of-fold residuals: its spread is the held-out error.
        Assert.Equal(flexible.Quality.HeldOutRmse, flexible.Noise.StandardDeviation, 0.01);
    }

    [Fact]
    public void Constant_and_collinear_parents_are_dropped_and_named()
    {
        var x = Gaussian(500, 4);
        var constant = Enumerable.Repeat(5.0, 500).ToArray();
        var twice = x.Select(v => 2 * v + 1).ToArray();
        var y = x.Select((v, i) => v + 0.1 * Gaussian(500, 5)[i]).ToArray();
        var fit = NodeFitter.Fit(Model(["x", "k", "x2"]), 3, new DataTable(["x", "k", "x2", "y"], [x, constant, twice, y]));
        Assert.Contains(fit.Quality.Notes, n => n.Contains("'k'") && n.Contains("constant"));
        Assert.Contains(fit.Quality.Notes, n => n.Contains("'x2'") && n.Contains("collinear") && n.Contains("'x'"));
        Assert.InRange(fit.Quality.HeldOutR2, 0.95, 1);
    }

    [Fact]
    public void Too_few_rows_are_an_error_naming_the_node()
    {
        var data = new DataTable(["a", "b", "c", "y"], [[1, 2, 3.5], [0, 1, 5], [4, 1, 2], [1, 2, 3]]);
        var e = Assert.Throws<InputException>(() => NodeFitter.Fit(Model(["a", "b", "c"]), 3, data));
        Assert.Contains("'y'", e.Message);
        Assert.Contains("too few", e.Message);
    }
}
