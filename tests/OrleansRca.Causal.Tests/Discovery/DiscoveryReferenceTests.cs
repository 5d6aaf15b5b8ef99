using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace OrleansRca.Causal.Tests.Discovery;

/// <summary>The closed forms of the local score and the shift tests against direct computations on the rows.</summary>
public sealed class DiscoveryReferenceTests
{
    private static DataTable Table(Random random, int rows, double shift = 0, bool hard = false)
    {
        var a = new double[rows];
        var b = new double[rows];
        var c = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            a[r] = 1 + Normal(random);
            b[r] = hard ? 3 + 0.5 * Normal(random) : 2 - 1.5 * a[r] + 0.7 * Normal(random) + shift;
            c[r] = 0.5 * a[r] + 0.8 * b[r] + Normal(random);
        }
        return new DataTable(["a", "b", "c"], [a, b, c]);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void LocalScoreIsTheBicOfTheLeastSquaresFit()
    {
        var data = Table(new Random(1), 40);
        var stats = RegimeStatistics.Create([data], ["obs"]);
        // Node c with candidates a, b; parent set {a, b} is mask 0b11.
        var scorer = new NodeScorer(stats, 2, [0, 1], penalty: 1, targetPrior: 0.1, passes: 2);
        double[] Standard(int k) => data.Columns[k].Select(v => (v - stats.Mean[k]) / stats.Scale[k]).ToArray();
        var fit = LeastSquares.Fit("c", ["a", "b"], [Standard(0), Standard(1)], Standard(2));
        var rss = Enumerable.Range(0, 40).Sum(r =>
        {
            var e = Standard(2)[r] - fit.Evaluate([Standard(0)[r], Standard(1)[r]]);
            return e * e;
        });
        const int n = 40;
        var expected = -0.5 * n * (Math.Log(2 * Math.PI * rss / n) + 1) - 0.5 * 4 * Math.Log(n);
        Assert.Equal(expected, scorer.Score(0b11).Score, 1e-8);
        // The empty parent set: the variance about the mean.
        var centred = Standard(2).Sum(v => v * v);
        Assert.Equal(-0.5 * n * (Math.Log(2 * Math.PI * centred / n) + 1) - 0.5 * 2 * Math.Log(n), scorer.Score(0).Score, 1e-8);
    }

    private static NodeScorer.Moments Moments(double[][] x, double[] y)
    {
        var d = x.Length + 1;
        var m = new NodeScorer.Moments(d);
        for (var r = 0; r < y.Length; r++)
        {
            var row = new double[d];
            row[0] = 1;
            for (var k = 0; k < x.Length; k++) row[k + 1] = x[k][r];
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++) m.XtX[i * d + j] += row[i] * row[j];
                m.Xty[i] += row[i] * y[r];
            }
            m.Yty += y[r] * y[r];
        }
        return m;
    }

    private static Matrix<double> Design(double[][] x, int rows) =>
        Matrix<double>.Build.Dense(rows, x.Length + 1, (r, k) => k == 0 ? 1 : x[k - 1][r]);

    private static double MultivariateT(double nu, Vector<double> y, Vector<double> mean, Matrix<double> scale)
    {
        var m = y.Count;
        var e = y - mean;
        var q = e * scale.Inverse() * e;
        return SpecialFunctions.GammaLn((nu + m) / 2) - SpecialFunctions.GammaLn(nu / 2) - m / 2.0 * Math.Log(nu * Math.PI)
               - 0.5 * Math.Log(scale.Determinant()) - (nu + m) / 2 * Math.Log(1 + q / nu);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(2.0, false)]
    [InlineData(0.0, true)]
    public void ShiftTestsAreTheStudentPredictivesWrittenOut(double shift, bool hard)
    {
        var random = new Random(7);
        var rest = Table(random, 30);
        var regime = Table(random, 6, shift, hard);
        var x = new[] { rest["a"] };
        var xr = new[] { regime["a"] };
        var (h0, h1) = NodeScorer.Test(Moments(x, rest["b"]), Moments(xr, regime["b"]), 2);

        // H0: y_r ~ t_nu(X_r β̂, s² (I + X_r (XᵀX)⁻¹ X_rᵀ)) with the Jeffreys posterior of the rest.
        var design = Design(x, 30);
        var y = Vector<double>.Build.DenseOfArray(rest["b"]);
        var xtxInverse = (design.Transpose() * design).Inverse();
        var beta = xtxInverse * design.Transpose() * y;
        var residual = y - design * beta;
        var nu = 30 - 2.0;
        var s2 = residual * residual / nu;
        var dr = Design(xr, 6);
        var yr = Vector<double>.Build.DenseOfArray(regime["b"]);
        var identity = Matrix<double>.Build.DenseIdentity(6);
        var pooled = dr * xtxInverse * dr.Transpose();
        Assert.Equal(MultivariateT(nu, yr, dr * beta, s2 * (identity + pooled)), h0, 1e-8);

        // H1: half shift (τ grid), half hard (the rows alone under a normal-inverse-gamma prior, a Student t too).
        var ones = Matrix<double>.Build.Dense(6, 6, 1.0);
        var parts = new List<double>();
        foreach (var tau in NodeScorer.ShiftScales)
            parts.Add(Math.Log(0.5 / NodeScorer.ShiftScales.Length) + MultivariateT(nu, yr, dr * beta, s2 * (identity + pooled + tau * tau * ones)));
        var m0 = y.Average();
        var v = (y - m0).PointwisePower(2).Sum() / 29;
        var alpha0 = NodeScorer.HardVarianceShape;
        var beta0 = (alpha0 - 1) * v;
        foreach (var kappa in NodeScorer.HardPrecisions)
            parts.Add(Math.Log(0.5 / NodeScorer.HardPrecisions.Length)
                      + MultivariateT(2 * alpha0, yr, Vector<double>.Build.Dense(6, m0), beta0 / alpha0 * (identity + ones / kappa)));
        Assert.Equal(NodeScorer.LogSumExp(parts), h1, 1e-8);
        // And the evidence goes the right way.
        if (shift != 0 || hard) Assert.True(h1 > h0 + 3, $"h1 {h1} h0 {h0}");
        else Assert.True(h0 > h1, $"h1 {h1} h0 {h0}");
    }

    [Fact]
    public void ThreeNodeChainIsOrientedByItsShiftedMiddle()
    {
        // a -> b -> c with c also on a; only b moves in the regime, which fixes every orientation.
        var random = new Random(3);
        var observational = Table(random, 1000);
        var regime = Table(random, 200, shift: 4);
        var result = CausalDiscovery.Discover([observational, regime], ["obs", "r1"]);
        Assert.Equal([("a", "b"), ("a", "c"), ("b", "c")], result.Edges.Select(e => (e.Parent, e.Child)).ToArray());
        Assert.Equal(["b"], result.Targets[0].Select(t => t.Node).ToArray());
        Assert.True(result.Targets[0][0].Probability > 0.99);
        Assert.All(result.Edges, e => Assert.True(e.Confidence > 0.99, $"{e.Parent}->{e.Child} {e.Confidence}"));
        Assert.All(result.Edges, e => Assert.True(e.Orientation > 0.9, $"{e.Parent}->{e.Child} orientation {e.Orientation}"));
        // Nothing else counted as intervened on: a and c keep their mechanisms.
        Assert.True(result.TargetProbabilities[0][0] < 0.1 && result.TargetProbabilities[0][2] < 0.1);
    }

    [Fact]
    public void WithoutRegimesAChainStaysUnoriented()
    {
        // Observational data alone cannot orient a -> b: the reversal costs nothing, so the orientation confidence is one half.
        var random = new Random(4);
        var a = Enumerable.Range(0, 500).Select(_ => Normal(random)).ToArray();
        var b = a.Select(v => 2 * v + Normal(random)).ToArray();
        var result = CausalDiscovery.Discover([new DataTable(["a", "b"], [a, b])], ["obs"]);
        var edge = Assert.Single(result.Edges);
        Assert.Equal(0.5, edge.Orientation, 1e-6);
        Assert.True(edge.Confidence > 0.99);
    }

    [Fact]
    public void SameInputSameResult()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting { Nodes = 12, ExpectedEdges = 18 }, 5);
        var one = CausalDiscovery.Discover(instance.Data, instance.Sources);
        var two = CausalDiscovery.Discover(instance.Data, instance.Sources, new DiscoveryOptions { MaxParallelism = 1 });
        Assert.Equal(one.Edges, two.Edges);
        Assert.Equal(one.Score, two.Score);
    }
}

/// <summary>The steps a cluster spreads out give the single-machine result bit for bit.</summary>
public sealed class DiscoveryStepsTests
{
    [Fact]
    public void StepsWithShippedFirstScoresEqualDiscover()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting { Nodes = 12, ExpectedEdges = 20 }, 8);
        var whole = CausalDiscovery.Discover(instance.Data, instance.Sources);
        var problem = DiscoveryProblem.Create(instance.Data, instance.Sources);
        var screens = Enumerable.Range(0, problem.Nodes).Reverse().Select(problem.Screen).Reverse().ToArray();
        var candidates = problem.Candidates(screens);
        // As messages would carry them: packed, copied.
        var first = Enumerable.Range(0, problem.Nodes).Select(j => problem.FirstScores(j, candidates[j]).ToArray()).ToList();
        var stepped = DiscoveryProblem.Create(instance.Data, instance.Sources).Search(candidates, first);
        Assert.Equal(whole.Edges, stepped.Edges);
        Assert.Equal(whole.Score, stepped.Score);
        Assert.Equal(whole.TargetProbabilities, stepped.TargetProbabilities);
        Assert.Throws<ArgumentException>(() => problem.Search(candidates, first.Select(f => f[..^1]).ToList()));
    }

    [Fact]
    public void TheSearchReportsEachClimbInOrder()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting { Nodes = 8, ExpectedEdges = 10 }, 3);
        var problem = DiscoveryProblem.Create(instance.Data, instance.Sources, new DiscoveryOptions { Restarts = 3 });
        var seen = new List<double>();

        problem.Search(problem.Candidates(Enumerable.Range(0, problem.Nodes).Select(problem.Screen).ToArray()), progress: new Recorder(seen));

        // The first climb, then three restarts.
        Assert.Equal([0.25, 0.5, 0.75, 1.0], seen);
    }

    private sealed class Recorder(List<double> seen) : IProgress<double>
    {
        public void Report(double value) => seen.Add(value);
    }
}
