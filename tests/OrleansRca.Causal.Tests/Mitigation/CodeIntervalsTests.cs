using OrleansRca.Causal.Counterfactuals;

namespace OrleansRca.Causal.Tests.Mitigation;

/// <summary>
/// The counterfactuals a row's codes allow, against brute force: a → x → z → y with x and z coded (x ordinal in a,
/// z binary in a and x, both with logistic noise), y continuous, every node but a uncontrollable. A row's quantile in
/// x and in z is known only up to its code's interval; a grid over both intervals, propagated node by node, is every
/// counterfactual consistent with the row.
/// </summary>
public sealed class CodeIntervalsTests
{
    private const int Grid = 200;

    private static double Logistic(Random random) { var p = random.NextDouble(); return Math.Log(p / (1 - p)); }

    private static (CausalModel Model, DataTable Normal, DataTable Anomalies) Fixture()
    {
        var model = ModelFile.Parse("""
            {"name":"codes","nodes":[{"name":"a"},{"name":"x","type":"categorical","controllable":false},
              {"name":"z","type":"categorical","controllable":false},{"name":"y","controllable":false}],
             "edges":[["a","x"],["a","z"],["x","z"],["x","y"],["z","y"]]}
            """);
        var random = new Random(5);
        DataTable Draw(int rows, double shift)
        {
            var cols = new[] { new double[rows], new double[rows], new double[rows], new double[rows] };
            for (var r = 0; r < rows; r++)
            {
                var a = AnomalyDetectorTests.Gauss(random) + shift;
                var e = Logistic(random);
                var x = (a + e > 0 ? 1 : 0) + (a + e > 1.5 ? 1 : 0);
                var z = a - x + 0.5 + Logistic(random) > 0 ? 1 : 0;
                (cols[0][r], cols[1][r], cols[2][r]) = (a, x, z);
                cols[3][r] = x + 2 * z + 0.3 * AnomalyDetectorTests.Gauss(random);
            }
            return new DataTable(["a", "x", "z", "y"], cols);
        }
        return (model, Draw(5000, 0), Draw(200, 3.5));
    }

    /// <summary>The highest score over a grid of both coded nodes' quantiles inside the row's intervals, and how many code pairs it met.</summary>
    private static (double Worst, int Pairs) BruteForce(CausalModel model, double[][] data, int r, double action, Func<double[], double> score)
    {
        var (mx, mz, my) = ((CodedMechanism)model.Mechanisms[1]!, (CodedMechanism)model.Mechanisms[2]!, model.Mechanisms[3]!);
        var (xBelow, xUpTo) = mx.Interval([data[0][r]], data[1][r]);
        var (zBelow, zUpTo) = mz.Interval([data[0][r], data[1][r]], data[2][r]);
        var yNoise = Propagator.Abduct(model, data.Select(c => new[] { c[r] }).ToArray())[3][0];
        var worst = double.NegativeInfinity;
        var pairs = new HashSet<(double, double)>();
        var row = new double[4];
        for (var i = 0; i <= Grid; i++)
            for (var k = 0; k <= Grid; k++)
            {
                row[0] = data[0][r] + action;
                row[1] = mx.Apply([row[0]], Inside(xBelow, xUpTo, i));
                row[2] = mz.Apply([row[0], row[1]], Inside(zBelow, zUpTo, k));
                row[3] = my.Apply([row[1], row[2]], yNoise);
                pairs.Add((row[1], row[2]));
                worst = Math.Max(worst, score(row));
            }
        return (worst, pairs.Count);

        static double Inside(double below, double upTo, int i) => below + (upTo - below) * (1e-6 + (1 - 2e-6) * i / Grid);
    }

    [Fact]
    public void The_worst_score_is_the_highest_over_every_quantile_the_rows_codes_allow()
    {
        var (model, normal, anomalies) = Fixture();
        var fitted = RootCauseModel.Fit(model, normal);
        Assert.IsType<CodedMechanism>(fitted.Model.Mechanisms[1]);
        Assert.IsType<CodedMechanism>(fitted.Model.Mechanisms[2]);
        var data = fitted.Model.Graph.Names.Select(n => anomalies[n]).ToArray();
        var codes = CodeIntervals.Create(fitted.Model, data, Propagator.Abduct(fitted.Model, data))!;
        Func<double[], double> score = row => (row[0] - 0.3) * (row[0] - 0.3) + 2 * row[1] + 3 * (row[2] - row[1]) * (row[2] - row[1]) + row[3];
        var x = new double[4];
        var several = 0;
        foreach (var (r, action) in Enumerable.Range(0, 40).Select(r => (r, -0.15 * r)))
        {
            var (worst, pairs) = BruteForce(fitted.Model, data, r, action, score);
            Assert.Equal(worst, codes.WorstScore(r, [0], [action], x, score), 12);
            if (pairs > 1) several++;
        }
        Assert.True(several >= 10, $"only {several} rows allow more than one code pair");
        Assert.Null(CodeIntervals.Create(Chain(), [[1.0], [2.0]], [[1.0], [2.0]]));
    }

    private static CausalModel Chain() => ModelFile.Parse("""
        {"name":"chain","nodes":[{"name":"a"},{"name":"b"}],"edges":[["a","b"]],"mechanisms":{"b":{"kind":"linear","intercept":0,"weights":{"a":1}}}}
        """);

    /// <summary>
    /// Mitigation with coded nodes: the actions of every solved row leave every counterfactual the row's codes allow at
    /// or below alpha x threshold (the grid's worst case), not only the interval middles' one; a deepest row that is
    /// reported flipped flips at least the middles' counterfactual.
    /// </summary>
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.8)]
    public void Solved_rows_are_normal_for_every_code_their_intervals_allow(double alpha)
    {
        var (model, normal, anomalies) = Fixture();
        var fitted = RootCauseModel.Fit(model, normal);
        var mitigator = Mitigator.Train(fitted, normal, new MitigationOptions { Alpha = alpha, ActOn = ActionScope.Controllable });
        var result = mitigator.Mitigate(anomalies, Enumerable.Repeat<IReadOnlyList<int>>([0], anomalies.Rows).ToList());
        var data = fitted.Model.Graph.Names.Select(n => anomalies[n]).ToArray();
        var target = alpha * result.Threshold;
        var (solved, open) = (0, 0);
        foreach (var row in result.Rows)
        {
            var action = row.Actions.GetValueOrDefault("a");
            if (row.Status == MitigationStatus.Solved)
            {
                var (worst, pairs) = BruteForce(fitted.Model, data, row.Row, action, x => mitigator.Detector.Score(x));
                Assert.True(worst <= target * (1 + 1e-9), $"row {row.Row}: a code its intervals allow scores {worst:G6} above {target:G6}");
                solved++;
                if (pairs > 1) open++;
            }
            if (row.Status == MitigationStatus.Deepest && row.Flipped) Assert.True(row.ScoreAfter <= result.Threshold);
        }
        Assert.True(solved >= 50, $"{solved} rows solved; {string.Join(", ", result.Rows.GroupBy(r => r.Status).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.True(open >= 10, $"only {open} solved rows leave more than one code pair open");
    }
}
