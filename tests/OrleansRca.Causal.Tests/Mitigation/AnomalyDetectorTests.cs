namespace OrleansRca.Causal.Tests.Mitigation;

public sealed class AnomalyDetectorTests
{
    private static DataTable Correlated(int rows, int seed)
    {
        var random = new Random(seed);
        var a = new double[rows];
        var b = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            a[r] = 3 + 2 * Gauss(random);
            b[r] = -1 + 0.5 * a[r] + 0.3 * Gauss(random);
        }
        return new DataTable(["a", "b"], [a, b]);
    }

    internal static double Gauss(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void MahalanobisIsTheWhitenedDistanceWithTheQuantileThreshold()
    {
        var data = Correlated(2000, 1);
        var detector = AnomalyDetector.Train(DetectorKind.Mahalanobis, data, ["a", "b"]);
        // Independent 2x2 sample covariance and its closed-form inverse.
        var (a, b) = (data["a"], data["b"]);
        double ma = a.Average(), mb = b.Average(), n = a.Length;
        double saa = a.Sum(x => (x - ma) * (x - ma)) / (n - 1), sbb = b.Sum(x => (x - mb) * (x - mb)) / (n - 1);
        var sab = a.Zip(b).Sum(p => (p.First - ma) * (p.Second - mb)) / (n - 1);
        var det = saa * sbb - sab * sab;
        double Expected(double x, double y) => Math.Sqrt(((x - ma) * (x - ma) * sbb - 2 * (x - ma) * (y - mb) * sab + (y - mb) * (y - mb) * saa) / det);
        foreach (var (x, y) in new[] { (3.0, 0.5), (10.0, -4.0), (0.0, 3.0) })
            Assert.Equal(Expected(x, y), detector.Score([x, y]), 10);
        var scores = Enumerable.Range(0, data.Rows).Select(r => detector.Score([a[r], b[r]])).ToArray();
        Assert.Equal(0.995, scores.Count(s => s <= detector.Threshold) / n, 3);
    }

    [Fact]
    public void PcaScoresTheDistanceToTheLeadingAxisInStandardisedSpace()
    {
        var data = Correlated(2000, 2);
        var detector = AnomalyDetector.Train(DetectorKind.Pca, data, ["a", "b"], components: 1);
        var (a, b) = (data["a"], data["b"]);
        double ma = a.Average(), mb = b.Average();
        double sa = Math.Sqrt(a.Sum(x => (x - ma) * (x - ma)) / (a.Length - 1)), sb = Math.Sqrt(b.Sum(x => (x - mb) * (x - mb)) / (b.Length - 1));
        // Two standardised variables with positive correlation: the leading axis is (1, 1)/sqrt 2, the residual is along (1, -1)/sqrt 2.
        foreach (var (x, y) in new[] { (3.0, 0.5), (10.0, -4.0), (0.0, 3.0) })
            Assert.Equal(Math.Abs((x - ma) / sa - (y - mb) / sb) / Math.Sqrt(2), detector.Score([x, y]), 10);
        Assert.Equal(1, detector.Components);
        Assert.True(detector.Threshold > 0);
    }

    [Fact]
    public void UntrainableDetectorsAreClearErrors()
    {
        var few = new DataTable(["a", "b", "c"], [[1.0, 2, 3], [2.0, 1, 0], [5.0, 4, 4]]);
        var e = Assert.Throws<InputException>(() => AnomalyDetector.Train(DetectorKind.Mahalanobis, few, ["a", "b", "c"]));
        Assert.Contains("3 rows, 3 columns", e.Message);
        var constant = new DataTable(["a", "k"], [[1.0, 2, 3, 4, 6], [7.0, 7, 7, 7, 7]]);
        e = Assert.Throws<InputException>(() => AnomalyDetector.Train(DetectorKind.Pca, constant, ["a", "k"]));
        Assert.Contains("'k' is constant", e.Message);
        e = Assert.Throws<InputException>(() => AnomalyDetector.ParseKind("svdd"));
        Assert.Contains("use mahalanobis, pca or mixture", e.Message);
        var collinear = new DataTable(["a", "b"], [[1.0, 2, 3, 4, 6], [2.0, 4, 6, 8, 12]]);
        Assert.Throws<InputException>(() => AnomalyDetector.Train(DetectorKind.Mahalanobis, collinear, ["a", "b"]));
    }
}

public sealed class MixtureDetectorTests
{
    [Fact]
    public void TwoSeparatedClustersGetOneEllipsoidEachAndTheScoreIsTheNearest()
    {
        var random = new Random(4);
        const int rows = 3000;
        var a = new double[rows];
        var b = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var east = r % 2 == 0;
            a[r] = (east ? 10 : -10) + AnomalyDetectorTests.Gauss(random);
            b[r] = (east ? 3 : -3) + 0.5 * AnomalyDetectorTests.Gauss(random);
        }
        var data = new DataTable(["a", "b"], [a, b]);
        var detector = AnomalyDetector.Train(DetectorKind.Mixture, data, ["a", "b"]);
        Assert.Equal(2, detector.Parts.Count);
        var centers = detector.Parts.Select(p => p.Center[0]).Order().ToArray();
        Assert.Equal(-10, centers[0], 0.2);
        Assert.Equal(10, centers[1], 0.2);
        // Between the clusters (a = 0) lies far from both, though it is the overall mean: a single ellipsoid would call it normal.
        Assert.True(detector.Score([0, 0]) > 3 * detector.Threshold);
        Assert.True(AnomalyDetector.Train(DetectorKind.Mahalanobis, data, ["a", "b"]).Score([0, 0]) < 1);
        // Each part is the whitened distance to its own component: sd 1 along a, 0.5 along b.
        var right = detector.Parts.Single(p => p.Center[0] > 0);
        Assert.Equal(4, Math.Sqrt(right.Quadratic([right.Center[0], right.Center[1] + 2])), 0.3);
        Assert.Equal(0.995, Enumerable.Range(0, rows).Count(r => detector.Score([a[r], b[r]]) <= detector.Threshold) / (double)rows, 3);
    }

    [Fact]
    public void Too_few_rows_to_choose_a_size_is_an_error_naming_the_rows_needed()
    {
        var random = new Random(5);
        var few = new DataTable(["a", "b"], [Enumerable.Range(0, 29).Select(_ => AnomalyDetectorTests.Gauss(random)).ToArray(),
            Enumerable.Range(0, 29).Select(_ => AnomalyDetectorTests.Gauss(random)).ToArray()]);
        var e = Assert.Throws<InputException>(() => AnomalyDetector.Train(DetectorKind.Mixture, few, ["a", "b"]));
        Assert.Contains("at least 30 normal rows for 2 columns", e.Message);
        Assert.Contains("not 29", e.Message);
        Assert.Single(AnomalyDetector.Train(DetectorKind.Mixture, few, ["a", "b"], components: 1).Parts);
    }
}
