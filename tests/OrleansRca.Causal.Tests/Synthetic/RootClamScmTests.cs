namespace OrleansRca.Causal.Tests.Synthetic;

/// <summary>The generators against the written definitions in shared/spec/rootclam-datasets.md.</summary>
public sealed class RootClamScmTests
{
    private static double Sig(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void LoanRowsAreTheSpecEquationsOfTheirNoise()
    {
        var sample = new LoanScm().Generate(200, 150, seed: 3);
        for (var r = 0; r < sample.Rows; r++)
        {
            var u = sample.NoiseRow(r);
            var x = sample.Row(r);
            var g = u[0];
            var a = -35 + u[1];
            var e = -0.5 + Sig(-1 + 0.5 * g + 1 * Sig(0.1 * a) + u[2]);
            var l = 1 + 0.01 * (a - 5) * (5 - a) + 1 * g + u[3];
            var d = -1 + 0.1 * a + 2 * g + 1 * l + u[4];
            var i = -4 + 0.1 * (a + 35) + 2 * g + 1 * g * e + u[5];
            var s = -4 + 1.5 * (i > 0 ? 1 : 0) * i + u[6];
            Assert.Equal(new[] { g, a, e, l, d, i, s }, x);
            var y = Sig(0.3 * (-l - d + i + s + i * s));
            Assert.Equal(y, sample.Label[r], 12);
            Assert.True(sample.IsAnomaly(r) ? y < 0.05 : y > 0.95);
        }
    }

    /// <summary>
    /// The mitigation protocol's reference (undo the push) uses each candidate's mean shift: it must equal the
    /// difference of the noise means drawn with and without the shift (within sampling error), for every node.
    /// </summary>
    [Theory]
    [InlineData("loan")]
    [InlineData("adult")]
    public void MeanShiftIsTheDifferenceOfTheDrawnNoiseMeans(string dataset)
    {
        RootClamScm scm = dataset == "loan" ? new LoanScm() : new AdultScm();
        var all = (1 << scm.Candidates.Count) - 1;
        const int draws = 40_000;
        var n = scm.Graph.Count;
        var shifted = new double[n];
        var normal = new double[n];
        var shiftedSq = new double[n];
        var normalSq = new double[n];
        var u = new double[n];
        var random = new System.Random(11);
        for (var k = 0; k < draws; k++)
        {
            scm.DrawNoise(random, all, u);
            for (var v = 0; v < n; v++) { shifted[v] += u[v]; shiftedSq[v] += u[v] * u[v]; }
            scm.DrawNoise(random, 0, u);
            for (var v = 0; v < n; v++) { normal[v] += u[v]; normalSq[v] += u[v] * u[v]; }
        }
        for (var v = 0; v < n; v++)
        {
            var difference = (shifted[v] - normal[v]) / draws;
            var variance = (shiftedSq[v] / draws - Math.Pow(shifted[v] / draws, 2) + normalSq[v] / draws - Math.Pow(normal[v] / draws, 2)) / draws;
            Assert.True(Math.Abs(difference - scm.MeanShift(v)) < 5 * Math.Sqrt(variance) + 1e-12,
                $"{scm.Nodes[v]}: drawn {difference}, stated {scm.MeanShift(v)}");
        }
        Assert.All(scm.Candidates, c => Assert.NotEqual(0, scm.MeanShift(scm.Graph.IndexOf(c))));
    }

    [Fact]
    public void LoanAnomaliesCycleThroughAllFifteenTypesWithTheirRootCauses()
    {
        var sample = new LoanScm().Generate(10, 30, seed: 4);
        Assert.All(Enumerable.Range(0, 10), r => Assert.Empty(sample.RootCauses(r)));
        var types = Enumerable.Range(10, 30).Select(r => sample.ShiftMask[r]).ToArray();
        Assert.Equal(Enumerable.Range(1, 15).Concat(Enumerable.Range(1, 15)), types);
        Assert.Equal(["L", "S"], sample.RootCauses(10 + 8)); // type 9 = bits 0 and 3
    }

    [Fact]
    public void LoanShiftsMoveTheNoiseMeansBySpecBeforeTheLabelFilter()
    {
        var scm = new LoanScm();
        var random = new Random(5);
        const int draws = 4000;
        var u = new double[7];
        var sums = new double[7];
        for (var k = 0; k < draws; k++)
        {
            scm.DrawNoise(random, 0b1111, u); // all four candidates shifted
            for (var v = 0; v < 7; v++) sums[v] += u[v];
        }
        var expected = new[] { (3, 4.0, 2.0), (4, 9.0, 3.0), (5, -4.0, 2.0), (6, -25.0, 5.0), (2, 0.0, 0.5) };
        foreach (var (v, mean, sd) in expected)
            Assert.InRange(sums[v] / draws, mean - 4 * sd / Math.Sqrt(draws), mean + 4 * sd / Math.Sqrt(draws));
        Assert.InRange(sums[1] / draws, 35 - 4 * Math.Sqrt(10 * 3.5 * 3.5 / draws), 35 + 4 * Math.Sqrt(10 * 3.5 * 3.5 / draws)); // Gamma(10, scale 3.5)
    }

    [Fact]
    public void LoanAbductionRecoversTheNoiseAndTheModelFileMatchesTheAdditiveNodes()
    {
        var scm = new LoanScm();
        var sample = scm.Generate(100, 100, seed: 6);
        for (var r = 0; r < sample.Rows; r++)
            for (var v = 0; v < scm.Graph.Count; v++)
            {
                Assert.True(scm.TryAbduct(v, sample.Row(r), out var u));
                Assert.Equal(sample.Noise[v][r], u, 9);
            }
        var noise = Propagator.Abduct(LoanScm.Model(), sample.Data.Columns);
        foreach (var v in new[] { LoanScm.L, LoanScm.D, LoanScm.I, LoanScm.S })
            for (var r = 0; r < sample.Rows; r++) Assert.Equal(sample.Noise[v][r], noise[v][r], 9);
    }

    [Fact]
    public void SameSeedSameSample()
    {
        var a = new AdultScm().Generate(50, 14, seed: 9);
        var b = new AdultScm().Generate(50, 14, seed: 9);
        Assert.Equal(a.Data.Columns, b.Data.Columns);
        Assert.NotEqual(new AdultScm().Generate(50, 14, seed: 10).Data.Columns[1], a.Data.Columns[1]);
    }

    [Fact]
    public void AdultRowsAreVacaEquationsOfTheirNoise()
    {
        var sample = new AdultScm().Generate(300, 70, seed: 7);
        for (var r = 0; r < sample.Rows; r++)
        {
            var u = sample.NoiseRow(r);
            var x = sample.Row(r);
            var (race, native, gender) = ((int)u[0], (int)u[2], u[3]);
            var age = u[1] + 17;
            var edu = Math.Exp(new[] { 2.0, 1, 0 }[race] + Sig(age - 30)) + (gender == 0 ? 0.5 : 1) * new[] { 0.0, 2, 5, 1 }[native] + u[4];
            var hours = age < 70
                ? new[] { 40.0, 36, 50, 30 }[native] * new[] { 0.5, 1, 1.3 }[race] + 2 * Math.Exp(-(age - 30) * (age - 30)) + 5 * Math.Abs(Math.Tanh(edu - 2)) + (gender == 0 ? 2 : 0) + u[5]
                : 0;
            Assert.Equal(age, x[1], 12);
            Assert.Equal(edu, x[4], 9);
            Assert.Equal(hours, x[5], 9);
            // Income: every term of VACA's eq_income, with Python's & precedence written out.
            var income = u[10] + (race == 2 ? 10000 : 20000) + (age >= 30 ? 2816 : 0) + (edu >= 10 ? 9488 : 0)
                + (x[8] == 1 ? 5000 : x[8] == 2 ? 15000 : 0) + (x[6] == 0 ? 5000 : x[6] == 1 ? 7000 : 0)
                + (x[7] == 0 ? 1000 : x[7] == 1 ? 4000 : -2000) + (hours > 45 ? 15000 : 0) + (native > 2 ? 10000 : 0)
                + (gender == 1 ? 4000 : 0) + (x[9] < 2 ? 3000 : 0);
            Assert.Equal(income, x[10], 6);
            Assert.InRange(x[6], 0, 3);
            Assert.InRange(x[7], 0, 2);
            Assert.InRange(x[8], 0, 2);
            Assert.InRange(x[9], 0, 2);
        }
        var anomalies = Enumerable.Range(300, 70).ToArray();
        Assert.All(anomalies.Where(r => sample.RootCauses(r).Contains("hours")), r => Assert.InRange(sample.Noise[5][r], 34, 46));
        Assert.All(anomalies.Where(r => sample.RootCauses(r).Contains("education")), r => Assert.True(sample.Noise[4][r] > 2));
        Assert.Equal(7, anomalies.Select(r => sample.ShiftMask[r]).Distinct().Count());
    }

    /// <summary>
    /// RootCLAM's Adult split (its <c>split_dataset</c>): normal rows at or below the median income of unfiltered normal
    /// rows, anomalies above its 0.9 quantile. Checked against a fresh unfiltered draw: the cuts sit at those quantiles.
    /// </summary>
    [Fact]
    public void AdultNormalRowsAreAtOrBelowTheMedianIncomeAndAnomaliesAboveTheNinetiethPercentile()
    {
        var scm = new AdultScm();
        var (median, upper) = AdultScm.IncomeCuts;
        var sample = scm.Generate(400, 140, seed: 4);
        for (var r = 0; r < sample.Rows; r++)
            Assert.True(sample.IsAnomaly(r) ? sample.Label[r] > upper : sample.Label[r] <= median, $"row {r}: income {sample.Label[r]}");
        Assert.Equal(median, scm.LabelCut);

        const int draws = 40_000;
        var random = new System.Random(12);
        var u = new double[scm.Graph.Count];
        var x = new double[scm.Graph.Count];
        int belowMedian = 0, belowUpper = 0;
        for (var k = 0; k < draws; k++)
        {
            scm.DrawNoise(random, 0, u);
            scm.Simulate(u, x);
            if (x[AdultScm.Income] <= median) belowMedian++;
            if (x[AdultScm.Income] <= upper) belowUpper++;
        }
        // Binomial sd at 40,000 draws: 0.0025 (median), 0.0015 (0.9 quantile); income has atoms only 1e-3 wide.
        Assert.InRange((double)belowMedian / draws, 0.49, 0.51);
        Assert.InRange((double)belowUpper / draws, 0.894, 0.906);
    }
}
