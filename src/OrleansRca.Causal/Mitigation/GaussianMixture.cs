using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;
using OrleansRca.Causal.Numerics;

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
    /// <summary>Relative change of the log-likelihood per row at which EM stops (scikit-learn's default is an absolute 1e-3).</summary>
    private const double Tolerance = 1e-7;
    /// <summary>Added to every standardised covariance diagonal: keeps a component from collapsing onto a few rows.</summary>
    private const double Ridge = 1e-3;

    /// <summary>An EM fit: weights, means and covariances (row-major d x d) per component, and the log-likelihood.</summary>
    internal sealed record Components(double[] Weights, double[][] Means, double[][] Covariances, double LogLikelihood);

    /// <param name="centered">Rows x columns, column means removed.</param>
    /// <param name="sd">Column standard deviations.</param>
    public static IReadOnlyList<Ellipsoid> Fit(Matrix<double> centered, Vector<double> sd, int? components, int seed)
    {
        var n = centered.RowCount;
        var d = centered.ColumnCount;
        if (components is { } fixedK && (fixedK < 1 || n < fixedK * (d + 1)))
            throw new InputException($"the mixture detector needs between 1 and {n / (d + 1)} components for {n} rows, not {fixedK}");
        var z = new double[d][];
        for (var j = 0; j < d; j++) z[j] = centered.Column(j).Divide(sd[j]).AsArray();
        var candidates = components is { } count ? [count] : Enumerable.Range(1, DefaultMaxComponents).Where(c => n >= c * (d + 1) * 10).ToArray();
        if (candidates.Length == 0)
            throw new InputException($"the mixture detector chooses its size from at least {(d + 1) * 10} normal rows for {d} columns (ten per component and column, plus ten), not {n}; give fewer columns or more rows, or use the mahalanobis detector");
        // The sizes are independent fits, each seeded by its own size: fitting them side by side changes no figure.
        // Largest first (the cost grows with the size), so the last one to start is a short one.
        var fits = new Components?[candidates.Length];
        Parallel.For(0, candidates.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, step =>
        {
            var i = candidates.Length - 1 - step;
            fits[i] = Em(z, Start(z, candidates[i], seed));
        });
        Components? best = null;
        var bestBic = double.PositiveInfinity;
        foreach (var fit in fits)
        {
            if (fit is null) continue;
            var k = fit.Weights.Length;
            var parameters = k * (d + d * (d + 1) / 2) + k - 1;
            var bic = -2 * fit.LogLikelihood + parameters * Math.Log(n);
            if (bic < bestBic) (best, bestBic) = (fit, bic);
        }
        if (best is null) throw new InputException($"the mixture detector could not be fitted: with {string.Join(" or ", candidates)} components one collapsed onto too few rows; use fewer components");
        var scale = Matrix<double>.Build.DenseOfDiagonalVector(sd.Map(s => 1 / s));
        return best.Means.Select((m, c) =>
        {
            var inverse = Matrix<double>.Build.Dense(d, d, best.Covariances[c]).Inverse();
            return new Ellipsoid(Vector<double>.Build.Dense(m).PointwiseMultiply(sd), scale * ((inverse + inverse.Transpose()) / 2) * scale);
        }).ToList();
    }

    /// <summary>EM's start for <paramref name="k"/> components: k-means++ means, unit covariances, equal weights.</summary>
    internal static Components Start(double[][] z, int k, int seed)
    {
        var d = z.Length;
        var means = KMeansPlusPlus(z, k, new Xoshiro256StarStar(seed + k, threadSafe: false));
        var covariances = new double[k][];
        for (var c = 0; c < k; c++)
        {
            covariances[c] = new double[d * d];
            for (var i = 0; i < d; i++) covariances[c][i * d + i] = 1;
        }
        return new Components(Enumerable.Repeat(1.0 / k, k).ToArray(), means, covariances, double.NegativeInfinity);
    }

    /// <summary>
    /// EM from <paramref name="start"/> on the columns <paramref name="z"/> until the log-likelihood per row changes by
    /// less than <paramref name="tolerance"/> relative; null when a component's weight falls below d + 1 rows.
    /// Column at a time, so every step is a vector operation over the rows.
    /// </summary>
    internal static Components? Em(double[][] z, Components start, double tolerance = Tolerance, int maxIterations = MaxIterations)
    {
        var d = z.Length;
        var n = z[0].Length;
        var k = start.Weights.Length;
        var weights = (double[])start.Weights.Clone();
        var means = start.Means.Select(m => (double[])m.Clone()).ToArray();
        var covariances = start.Covariances.Select(s => (double[])s.Clone()).ToArray();
        var resp = Enumerable.Range(0, k).Select(_ => new double[n]).ToArray();
        var y = Enumerable.Range(0, d).Select(_ => new double[n]).ToArray();
        var top = new double[n];
        var sum = new double[n];
        var scratch = new double[n];
        var previous = double.NegativeInfinity;
        var logLikelihood = double.NegativeInfinity;
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            // E step. Component c's log density is log w - (d log 2 pi + log det S) / 2 - ||L^-1 (x - m)||^2 / 2 with
            // S = L L': a forward substitution over the columns, held in resp[c] until the log-sum-exp normalises it.
            top.AsSpan().Fill(double.NegativeInfinity);
            for (var c = 0; c < k; c++)
            {
                var factor = Matrix<double>.Build.Dense(d, d, covariances[c]).Cholesky().Factor;
                var logs = resp[c];
                logs.AsSpan().Fill(Math.Log(weights[c]) - 0.5 * (d * Math.Log(2 * Math.PI) + 2 * factor.Diagonal().Sum(Math.Log)));
                for (var i = 0; i < d; i++)
                {
                    TensorPrimitives.Subtract(z[i], means[c][i], y[i]);
                    for (var j = 0; j < i; j++) TensorPrimitives.MultiplyAdd(y[j], -factor[i, j], y[i], y[i]);
                    TensorPrimitives.Divide(y[i], factor[i, i], y[i]);
                    TensorPrimitives.Multiply(y[i], y[i], scratch);
                    TensorPrimitives.MultiplyAdd(scratch, -0.5, logs, logs);
                }
                TensorPrimitives.Max(top, logs, top);
            }
            sum.AsSpan().Clear();
            foreach (var logs in resp)
            {
                TensorPrimitives.Subtract(logs, top, logs);
                ReproducibleMath.Exp(logs, logs); // far-out rows reach below -708
                TensorPrimitives.Add(sum, logs, sum);
            }
            foreach (var share in resp) TensorPrimitives.Divide(share, sum, share);
            TensorPrimitives.Log(sum, scratch);
            logLikelihood = TensorPrimitives.Sum<double>(top) + TensorPrimitives.Sum<double>(scratch);
            // |change|, not change: the ridge makes the M step a near-maximiser, so near the fixed point the
            // log-likelihood can fall by a hair; a fall is no sign of convergence by itself.
            if (Math.Abs(logLikelihood - previous) < tolerance * n * Math.Max(1, Math.Abs(logLikelihood / n))) break;
            previous = logLikelihood;
            // M step: each component's weighted mean, then its weighted covariance about that mean.
            for (var c = 0; c < k; c++)
            {
                var share = resp[c];
                var total = TensorPrimitives.Sum<double>(share);
                if (total < d + 1) return null; // a dying component: this k is not supported by the data (BIC moves on)
                for (var j = 0; j < d; j++)
                {
                    means[c][j] = TensorPrimitives.Dot<double>(share, z[j]) / total;
                    TensorPrimitives.Subtract(z[j], means[c][j], y[j]);
                }
                var cov = covariances[c];
                for (var i = 0; i < d; i++)
                {
                    TensorPrimitives.Multiply(share, y[i], scratch);
                    for (var j = 0; j <= i; j++) cov[i * d + j] = cov[j * d + i] = TensorPrimitives.Dot<double>(scratch, y[j]) / total;
                    cov[i * d + i] += Ridge;
                }
                weights[c] = total / n;
            }
        }
        return new Components(weights, means, covariances, logLikelihood);
    }

    private static double[][] KMeansPlusPlus(double[][] z, int k, System.Random random)
    {
        var n = z[0].Length;
        var centers = new List<double[]>();
        var nearest = new double[n];
        var distance = new double[n];
        var difference = new double[n];
        nearest.AsSpan().Fill(double.PositiveInfinity);
        var chosen = random.Next(n);
        while (true)
        {
            var center = z.Select(column => column[chosen]).ToArray();
            centers.Add(center);
            if (centers.Count == k) return [.. centers];
            // Squared distance to the nearest centre so far: only the newest centre can lower it.
            distance.AsSpan().Clear();
            for (var j = 0; j < z.Length; j++)
            {
                TensorPrimitives.Subtract(z[j], center[j], difference);
                TensorPrimitives.MultiplyAdd(difference, difference, distance, distance);
            }
            TensorPrimitives.Min(nearest, distance, nearest);
            var pick = random.NextDouble() * TensorPrimitives.Sum<double>(nearest);
            chosen = 0;
            for (var acc = 0.0; chosen < n - 1 && (acc += nearest[chosen]) < pick; chosen++) { }
        }
    }
}
