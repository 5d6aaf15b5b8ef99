using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;

namespace OrleansRca.Causal.Mitigation;

/// <summary>
/// A full-covariance Gaussian mixture fitted by EM on standardised columns (k-means++ seeding, seeded), the number
/// of components chosen by BIC. Returned as ellipsoids in the caller's centred coordinates: the component's mean
/// and its inverse covariance, so a row's detector score is its Mahalanobis distance to the nearest component.
/// </summary>
public static class GaussianMixture
{
    public const int DefaultMaxComponents = 6;
    private const int MaxIterations = 300;
    /// <summary>Relative change of the log-likelihood per row at which EM stops.</summary>
    private const double Tolerance = 1e-7;
    /// <summary>Added to every standardised covariance diagonal: keeps a component from collapsing onto a few rows.</summary>
    private const double Ridge = 1e-3;

    /// <param name="centered">Rows x columns, column means removed.</param>
    /// <param name="sd">Column standard deviations.</param>
    public static IReadOnlyList<Ellipsoid> Fit(Matrix<double> centered, Vector<double> sd, int? components, int seed)
    {
        var n = centered.RowCount;
        var d = centered.ColumnCount;
        var z = Matrix<double>.Build.Dense(n, d, (r, j) => centered[r, j] / sd[j]);
        if (components is { } fixedK && (fixedK < 1 || n < fixedK * (d + 1)))
            throw new InputException($"the mixture detector needs between 1 and {n / (d + 1)} components for {n} rows, not {fixedK}");
        var candidates = components is { } count ? [count] : Enumerable.Range(1, DefaultMaxComponents).Where(c => n >= c * (d + 1) * 10).ToArray();
        (Vector<double>[] Means, Matrix<double>[] Covariances, double Bic)? best = null;
        foreach (var k in candidates)
        {
            var fit = Em(z, k, seed);
            if (fit is null) continue;
            var parameters = k * (d + d * (d + 1) / 2) + k - 1;
            var bic = -2 * fit.Value.LogLikelihood + parameters * Math.Log(n);
            if (best is null || bic < best.Value.Bic) best = (fit.Value.Means, fit.Value.Covariances, bic);
        }
        if (best is null) throw new InputException($"the mixture detector could not be fitted: with {string.Join(" or ", candidates)} components one collapsed onto too few rows; use fewer components");
        var scale = Matrix<double>.Build.DenseOfDiagonalVector(sd.Map(s => 1 / s));
        return best.Value.Means.Select((m, c) =>
        {
            var inverse = best.Value.Covariances[c].Inverse();
            return new Ellipsoid(m.PointwiseMultiply(sd), scale * ((inverse + inverse.Transpose()) / 2) * scale);
        }).ToList();
    }

    private static (Vector<double>[] Means, Matrix<double>[] Covariances, double LogLikelihood)? Em(Matrix<double> z, int k, int seed)
    {
        var n = z.RowCount;
        var d = z.ColumnCount;
        var random = new Xoshiro256StarStar(seed + k, threadSafe: false);
        var means = KMeansPlusPlus(z, k, random);
        var covariances = Enumerable.Range(0, k).Select(_ => Matrix<double>.Build.DenseIdentity(d)).ToArray();
        var weights = Enumerable.Repeat(1.0 / k, k).ToArray();
        var resp = new double[n, k];
        var previous = double.NegativeInfinity;
        var logLikelihood = double.NegativeInfinity;
        var diff = new double[d];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            // E step: responsibilities by log-sum-exp of log weight + log density.
            var inverses = new Matrix<double>[k];
            var logNorm = new double[k];
            for (var c = 0; c < k; c++)
            {
                var cholesky = covariances[c].Cholesky();
                inverses[c] = cholesky.Solve(Matrix<double>.Build.DenseIdentity(d));
                logNorm[c] = Math.Log(weights[c]) - 0.5 * (d * Math.Log(2 * Math.PI) + 2 * cholesky.Factor.Diagonal().Sum(Math.Log));
            }
            logLikelihood = 0;
            var logs = new double[k];
            for (var r = 0; r < n; r++)
            {
                var top = double.NegativeInfinity;
                for (var c = 0; c < k; c++)
                {
                    for (var j = 0; j < d; j++) diff[j] = z[r, j] - means[c][j];
                    var q = 0.0;
                    for (var i = 0; i < d; i++)
                    {
                        var inner = 0.0;
                        for (var j = 0; j < d; j++) inner += inverses[c][i, j] * diff[j];
                        q += diff[i] * inner;
                    }
                    logs[c] = logNorm[c] - 0.5 * q;
                    top = Math.Max(top, logs[c]);
                }
                var sum = 0.0;
                for (var c = 0; c < k; c++) sum += Math.Exp(logs[c] - top);
                var log = top + Math.Log(sum);
                logLikelihood += log;
                for (var c = 0; c < k; c++) resp[r, c] = Math.Exp(logs[c] - log);
            }
            if (logLikelihood - previous < Tolerance * n * Math.Max(1, Math.Abs(logLikelihood / n))) break;
            previous = logLikelihood;
            // M step.
            for (var c = 0; c < k; c++)
            {
                var total = 0.0;
                var mean = Vector<double>.Build.Dense(d);
                for (var r = 0; r < n; r++) { total += resp[r, c]; for (var j = 0; j < d; j++) mean[j] += resp[r, c] * z[r, j]; }
                if (total < d + 1) return null; // a dying component: this k is not supported by the data (BIC moves on)
                mean /= total;
                var cov = Matrix<double>.Build.Dense(d, d);
                for (var r = 0; r < n; r++)
                {
                    var w = resp[r, c];
                    for (var i = 0; i < d; i++)
                    {
                        var di = z[r, i] - mean[i];
                        for (var j = 0; j <= i; j++) cov[i, j] += w * di * (z[r, j] - mean[j]);
                    }
                }
                for (var i = 0; i < d; i++)
                {
                    for (var j = 0; j < i; j++) cov[j, i] = cov[i, j] /= total;
                    cov[i, i] = cov[i, i] / total + Ridge;
                }
                means[c] = mean;
                covariances[c] = cov;
                weights[c] = total / n;
            }
        }
        return (means, covariances, logLikelihood);
    }

    private static Vector<double>[] KMeansPlusPlus(Matrix<double> z, int k, System.Random random)
    {
        var n = z.RowCount;
        var centers = new List<Vector<double>> { z.Row(random.Next(n)) };
        var distance = new double[n];
        while (centers.Count < k)
        {
            for (var r = 0; r < n; r++) distance[r] = centers.Min(c => (z.Row(r) - c).L2Norm() is var v ? v * v : 0);
            var pick = random.NextDouble() * distance.Sum();
            var chosen = 0;
            for (var acc = 0.0; chosen < n - 1 && (acc += distance[chosen]) < pick; chosen++) { }
            centers.Add(z.Row(chosen));
        }
        return [.. centers];
    }
}
