using MathNet.Numerics.LinearRegression;

namespace OrleansRca.Causal.Tests.Mediation;

public sealed class BootstrapTests
{
    // T -> M -> O and T -> O; M is fitted from the data in every resample, O is given.
    private const string ModelJson = """
        {"nodes":[{"name":"T","role":"treatment"},{"name":"M","role":"mediator"},{"name":"O","role":"outcome"}],
         "edges":[["T","M"],["M","O"],["T","O"]],
         "mechanisms":{"O":{"kind":"linear","intercept":0.5,"weights":{"M":1.5,"T":-0.5}}}}
        """;

    private static DataTable Data(int rows, int seed)
    {
        var random = new Random(seed);
        var t = new double[rows]; var m = new double[rows]; var o = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            t[r] = 2 + MediationConfigurationTests.Normal(random);
            m[r] = 1 + 0.8 * t[r] + MediationConfigurationTests.Normal(random);
            o[r] = 0.5 + 1.5 * m[r] - 0.5 * t[r] + 0.3 * MediationConfigurationTests.Normal(random);
        }
        return new DataTable(["T", "M", "O"], [t, m, o]);
    }

    /// <summary>
    /// Oracle: the percentile bootstrap by its definition, with the slope refitted by MathNet's QR
    /// regression in each resample and the NIE in closed form (slope × 1.5 × mean(0.5 T)), the
    /// 2.5% and 97.5% percentiles taken by sorting (R-7 interpolation).
    /// </summary>
    [Fact]
    public void IntervalsEqualTheDefinition()
    {
        var model = ModelFile.Parse(ModelJson);
        var data = Data(400, 1);
        const int b = 199;
        var result = MediationEngine.Run(model, data, new MediationOptions { Bootstrap = b, Seed = 42 });

        var estimates = new double[b];
        for (var s = 0; s < b; s++)
        {
            var rows = MediationEngine.BootstrapRows(42, s, data.Rows);
            var t = rows.Select(r => data["T"][r]).ToArray();
            var m = rows.Select(r => data["M"][r]).ToArray();
            var fit = SimpleRegression.Fit(t, m);
            estimates[s] = fit.B * 1.5 * t.Average(x => 0.5 * x);
        }
        Array.Sort(estimates);
        double Percentile(double q) { var h = (b - 1) * q; var lo = (int)Math.Floor(h); return estimates[lo] + (h - lo) * (estimates[Math.Min(lo + 1, b - 1)] - estimates[lo]); }

        var ci = result.Pair("T", "M").MeanInterval!;
        Assert.Equal(Percentile(0.025), ci.Low, 1e-9);
        Assert.Equal(Percentile(0.975), ci.High, 1e-9);
        Assert.InRange(result.Pair("T", "M").Mean, ci.Low, ci.High);
        Assert.Equal(b, result.BootstrapSamples);
    }

    [Fact]
    public void SameSeedSameIntervalsAndOtherSeedOtherIntervals()
    {
        var model = ModelFile.Parse(ModelJson);
        var data = Data(200, 2);
        var a = MediationEngine.Run(model, data, new MediationOptions { Bootstrap = 50, Seed = 1 });
        var b = MediationEngine.Run(model, data, new MediationOptions { Bootstrap = 50, Seed = 1, MaxParallelism = 1 });
        var c = MediationEngine.Run(model, data, new MediationOptions { Bootstrap = 50, Seed = 2 });
        Assert.Equal(a.Pair("T", "M").MeanInterval, b.Pair("T", "M").MeanInterval);
        Assert.NotEqual(a.Pair("T", "M").MeanInterval, c.Pair("T", "M").MeanInterval);
        Assert.NotNull(a.Effect("T").TeInterval);
        Assert.NotNull(a.Effect("T").NdeInterval);
    }
}
