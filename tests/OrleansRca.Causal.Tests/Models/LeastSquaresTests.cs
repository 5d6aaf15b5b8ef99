using MathNet.Numerics.LinearRegression;

namespace OrleansRca.Causal.Tests.Models;

public sealed class LeastSquaresTests
{
    /// <summary>Oracle: MathNet's Householder-QR regression; strongly correlated parents (r ≈ 0.9995) and offset means.</summary>
    [Fact]
    public void MatchesQrOnIllConditionedParents()
    {
        var random = new Random(4);
        const int n = 5000;
        var a = Enumerable.Range(0, n).Select(_ => 1000 + random.NextDouble()).ToArray();
        var b = a.Select(x => x + 0.03 * (random.NextDouble() - 0.5)).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 5).ToArray();
        var y = Enumerable.Range(0, n).Select(i => 3 + 2 * a[i] - 1.5 * b[i] + 0.25 * c[i] + 0.1 * (random.NextDouble() - 0.5)).ToArray();
        var fit = LeastSquares.Fit("y", ["a", "b", "c"], [a, b, c], y);
        var x = Enumerable.Range(0, n).Select(i => new[] { a[i], b[i], c[i] }).ToArray();
        var qr = MultipleRegression.QR(x, y, intercept: true);
        Assert.Equal(qr[0], fit.Intercept, 1e-6 * Math.Abs(qr[0]));
        for (var k = 0; k < 3; k++) Assert.Equal(qr[k + 1], fit.Weights[k], 1e-8 * Math.Max(1, Math.Abs(qr[k + 1])));
    }

    [Fact]
    public void ConstantParentIsNamed() =>
        Assert.Contains("'a' is constant", Assert.Throws<InputException>(() =>
            LeastSquares.Fit("y", ["a"], [[1, 1, 1, 1]], [1, 2, 3, 4])).Message);

    [Fact]
    public void RootFitIsTheMean() => Assert.Equal(2.5, LeastSquares.Fit("y", [], [], [1, 2, 3, 4]).Intercept, 1e-15);
}
