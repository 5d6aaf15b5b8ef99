using MathNet.Numerics.LinearAlgebra;

namespace OrleansRca.Causal.Mitigation;

/// <summary>
/// The smallest phi (Euclidean norm) with (a + B phi)' Q (a + B phi) &lt;= t for Q positive semi-definite:
/// the nearest point of a (possibly degenerate) ellipsoid. With H = B'QB, g = B'Qa and c = a'Qa - t the KKT
/// point is phi(lambda) = -lambda (I + lambda H)^-1 g, and in H's eigenbasis the constraint becomes the secular
/// equation c = sum_i g_i^2 lambda (2 + lambda h_i) / (1 + lambda h_i)^2, whose right side rises monotonically
/// in lambda: one safeguarded Newton/bisection root gives the exact minimum (as a trust-region subproblem).
/// </summary>
public static class MinNormEllipsoid
{
    public enum Outcome { Inside, Solved, Unreachable }

    /// <param name="Phi">The minimiser (zero when <see cref="Outcome.Inside"/>; the minimiser of the quadratic when unreachable).</param>
    /// <param name="LowestQuadratic">The smallest value of the quadratic over all phi.</param>
    public readonly record struct Result(Outcome Outcome, Vector<double> Phi, double LowestQuadratic);

    public static Result Solve(Vector<double> a, Matrix<double> b, Matrix<double> q, double t)
    {
        var qa = q * a;
        var c = a.DotProduct(qa) - t;
        var k = b.ColumnCount;
        var h = b.TransposeThisAndMultiply(q * b);
        h = (h + h.Transpose()) / 2;
        var g = b.TransposeThisAndMultiply(qa);
        var evd = h.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(e => Math.Max(0, e.Real)).ToArray();
        var gh = evd.EigenVectors.TransposeThisAndMultiply(g);
        // Directions with (numerically) zero curvature carry no gradient either (g lies in range(H)).
        var floor = 1e-13 * Math.Max(values.Max(), 1e-300);
        var reducible = 0.0;
        for (var i = 0; i < k; i++) if (values[i] > floor) reducible += gh[i] * gh[i] / values[i];
        var lowest = c + t - reducible;
        if (c <= 0) return new Result(Outcome.Inside, Vector<double>.Build.Dense(k), lowest);
        if (c >= reducible)
            return new Result(Outcome.Unreachable, Phi(double.PositiveInfinity), lowest);

        double Secular(double lambda) // right side minus c: increasing in lambda
        {
            var s = -c;
            for (var i = 0; i < k; i++)
                if (values[i] > floor) s += gh[i] * gh[i] * lambda * (2 + lambda * values[i]) / ((1 + lambda * values[i]) * (1 + lambda * values[i]));
            return s;
        }
        double Slope(double lambda)
        {
            var s = 0.0;
            for (var i = 0; i < k; i++)
                if (values[i] > floor) { var d = 1 + lambda * values[i]; s += 2 * gh[i] * gh[i] / (d * d * d); }
            return s;
        }
        double lo = 0, hi = 1 / Math.Max(values.Max(), 1e-300);
        while (Secular(hi) < 0) { lo = hi; hi *= 2; }
        var lambda = hi;
        for (var it = 0; it < 200 && hi - lo > 1e-15 * hi; it++)
        {
            var f = Secular(lambda);
            if (Math.Abs(f) <= 1e-15 * c) break;
            if (f < 0) lo = lambda; else hi = lambda;
            var newton = lambda - f / Slope(lambda);
            lambda = newton > lo && newton < hi ? newton : (lo + hi) / 2;
        }
        return new Result(Outcome.Solved, Phi(lambda), lowest);

        Vector<double> Phi(double lambda)
        {
            var coefficients = Vector<double>.Build.Dense(k);
            for (var i = 0; i < k; i++)
                if (values[i] > floor)
                    coefficients[i] = double.IsPositiveInfinity(lambda) ? -gh[i] / values[i] : -lambda * gh[i] / (1 + lambda * values[i]);
            return evd.EigenVectors * coefficients;
        }
    }
}
