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

    /// <summary>
    /// A categorical parent names categories; its code's number measures nothing: y = L[c] + a + e with eight levels
    /// L by code, not monotone in it. Declared categorical, the flexible families carry a step between neighbouring
    /// codes (a one-hot encoding), so every level is recovered and the held-out error is the noise's; declared
    /// continuous, the code enters through a slope, a square and hinges at four quantiles of its number (six degrees
    /// of freedom for eight levels) and the error stays far larger.
    /// </summary>
    [Fact]
    public void A_categorical_parent_gets_one_level_per_code_not_a_slope_in_its_number()
    {
        double[] levels = [0, 3, 1, 4, 1, 5, 2, 6];
        var random = new Random(31);
        var c = Enumerable.Range(0, 3000).Select(_ => (double)random.Next(8)).ToArray();
        var a = Gaussian(3000, 32);
        var e = Gaussian(3000, 33, 0.3);
        var data = new DataTable(["c", "a", "y"], [c, a, c.Select((v, i) => levels[(int)v] + a[i] + e[i]).ToArray()]);
        CausalModel Declared(string type) => ModelFile.Parse(
            $$"""{"nodes":[{"name":"c","type":"{{type}}"},{"name":"a"},{"name":"y"}],"edges":[["c","y"],["a","y"]]}""");
        var coded = NodeFitter.Fit(Declared("categorical"), 2, data);
        Assert.NotEqual("linear", coded.Quality.Family);
        Assert.Equal(0.3, coded.Quality.HeldOutRmse, 0.02);
        for (var code = 0; code < levels.Length; code++)
            Assert.Equal(levels[code] - levels[0], coded.Mechanism!.Evaluate([code, 0.0]) - coded.Mechanism.Evaluate([0.0, 0.0]), 0.05);
        var numbered = NodeFitter.Fit(Declared("continuous"), 2, data);
        Assert.True(numbered.Quality.HeldOutRmse > 2 * coded.Quality.HeldOutRmse, $"as a number: {numbered.Quality.HeldOutRmse}");
    }

    /// <summary>
    /// A limit that switches a mechanism off (Adult's hours are 0 from age 70): y = 30 + 2b + e below a = 70, exactly 0
    /// above. The split family finds the threshold between the two sample values around 70 and fits each side, so
    /// the held-out error is the noise's on the lower side only (0.3 sqrt(0.7)) and the mechanism is 0 past the limit.
    /// </summary>
    [Fact]
    public void A_limit_that_switches_a_mechanism_off_gets_the_split_family_at_that_limit()
    {
        var random = new Random(21);
        var a = Enumerable.Range(0, 3000).Select(_ => 100 * random.NextDouble()).ToArray();
        var b = Gaussian(3000, 22);
        var e = Gaussian(3000, 23, 0.3);
        var y = a.Select((v, i) => v < 70 ? 30 + 2 * b[i] + e[i] : 0).ToArray();
        var fit = NodeFitter.Fit(Model(["a", "b"]), 2, new DataTable(["a", "b", "y"], [a, b, y]));
        Assert.Equal("split", fit.Quality.Family);
        var lower = a.Where(v => v < 70).Max();
        var upper = a.Where(v => v >= 70).Min();
        Assert.InRange(fit.Quality.HeldOutRmse, 0.2, 0.3);
        Assert.True(fit.Quality.LinearRmse > 10 * fit.Quality.HeldOutRmse, $"linear {fit.Quality.LinearRmse}");
        Assert.Equal(32, fit.Mechanism!.Evaluate([lower, 1.0]), 0.1);
        Assert.Equal(0, fit.Mechanism.Evaluate([upper, 1.0]), 0.1);
        Assert.Equal(0, fit.Mechanism.Evaluate([95, -2.0]), 0.1);
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
