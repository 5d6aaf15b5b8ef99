using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Statistics;

namespace OrleansRca.Causal.Mitigation;

public enum DetectorKind { Mahalanobis, Pca, Mixture }

/// <summary>One quadratic part of a detector: distance sqrt((x - Center)' Form (x - Center)).</summary>
public sealed record Ellipsoid(Vector<double> Center, Matrix<double> Form)
{
    public double Quadratic(ReadOnlySpan<double> x)
    {
        var d = Center.Count;
        var sum = 0.0;
        for (var i = 0; i < d; i++)
        {
            var inner = 0.0;
            for (var j = 0; j < d; j++) inner += Form[i, j] * (x[j] - Center[j]);
            sum += (x[i] - Center[i]) * inner;
        }
        return sum;
    }
}

/// <summary>
/// An anomaly detector trained on normal rows whose score is a quadratic-form distance,
/// g(x) = sqrt((x - m)' Q (x - m)), and whose threshold is the 0.995 quantile of the training scores
/// (RootCLAM's protocol). <c>mahalanobis</c>: Q is the inverse covariance, the distance to the normal
/// centre in whitened space (the linear analogue of Deep SVDD's ||r(x) - mu||). <c>pca</c>: the
/// reconstruction error of a linear autoencoder on standardised features, Q = D^-1 (I - V V') D^-1 with V the
/// leading principal axes (the linear analogue of RootCLAM's AE score ||x - x_hat||).
/// <c>mixture</c>: a Gaussian mixture fitted by EM (components chosen by BIC), scored by the Mahalanobis distance to
/// the nearest component in that component's own whitened space, for normal data with several modes.
/// Every part being quadratic, mitigation is a min-norm point of an ellipsoid (of the cheapest one for a mixture).
/// </summary>
public sealed class AnomalyDetector
{
    /// <summary>RootCLAM's threshold quantile of the training scores.</summary>
    public const double DefaultQuantile = 0.995;
    /// <summary>Share of the standardised variance the PCA autoencoder keeps when no component count is given.</summary>
    public const double DefaultExplainedVariance = 0.9;

    public DetectorKind Kind { get; }
    public IReadOnlyList<string> Columns { get; }
    /// <summary>The quadratic parts; the score is the smallest of their distances (one part but for a mixture).</summary>
    public IReadOnlyList<Ellipsoid> Parts { get; }
    public double Threshold { get; }
    /// <summary>PCA: the bottleneck width; Mahalanobis: the dimension; mixture: the dimension.</summary>
    public int Components { get; }

    private AnomalyDetector(DetectorKind kind, IReadOnlyList<string> columns, IReadOnlyList<Ellipsoid> parts, int components, double quantile, Matrix<double> centered, Vector<double> mean)
    {
        Kind = kind;
        Columns = columns;
        Parts = parts;
        Components = components;
        var scores = new double[centered.RowCount];
        var row = new double[columns.Count];
        for (var r = 0; r < scores.Length; r++)
        {
            for (var j = 0; j < row.Length; j++) row[j] = centered[r, j] + mean[j];
            scores[r] = Score(row);
        }
        Threshold = Statistics.QuantileCustom(scores, quantile, QuantileDefinition.R7);
    }

    public static DetectorKind ParseKind(string? text) => text switch
    {
        null or "mahalanobis" => DetectorKind.Mahalanobis,
        "pca" => DetectorKind.Pca,
        "mixture" => DetectorKind.Mixture,
        _ => throw new InputException($"unknown detector '{text}'; use mahalanobis, pca or mixture"),
    };

    public static string ToText(DetectorKind kind) => kind switch
    {
        DetectorKind.Pca => "pca",
        DetectorKind.Mixture => "mixture",
        _ => "mahalanobis",
    };

    /// <summary>
    /// Trains on the <paramref name="columns"/> of <paramref name="normal"/>. Errors (naming the column) when there are
    /// no more rows than dimensions, a column is constant or not finite, or the covariance is singular.
    /// </summary>
    /// <param name="components">PCA bottleneck width (null: the fewest axes explaining <see cref="DefaultExplainedVariance"/>);
    /// mixture: the number of Gaussians (null: the best of 1 to <see cref="GaussianMixture.DefaultMaxComponents"/> by BIC).</param>
    public static AnomalyDetector Train(DetectorKind kind, DataTable normal, IReadOnlyList<string> columns,
        double quantile = DefaultQuantile, int? components = null, int seed = 0)
    {
        var d = columns.Count;
        var n = normal.Rows;
        if (d == 0) throw new InputException("the detector needs at least one column");
        if (n <= d) throw new InputException($"the {ToText(kind)} detector needs more normal rows than dimensions: {n} rows, {d} columns");
        if (quantile is <= 0 or >= 1) throw new InputException($"the threshold quantile must lie in (0, 1), not {quantile}");
        var x = Matrix<double>.Build.Dense(n, d);
        var mean = Vector<double>.Build.Dense(d);
        var sd = Vector<double>.Build.Dense(d);
        for (var j = 0; j < d; j++)
        {
            var column = normal[columns[j]];
            if (!Array.TrueForAll(column, double.IsFinite))
                throw new InputException($"normal data: column '{columns[j]}' has a missing or non-finite value");
            var (m, v) = column.MeanVariance();
            if (!(v > 1e-12 * Math.Max(1, m * m)))
                throw new InputException($"normal data: column '{columns[j]}' is constant; a detector cannot be trained on it (drop it from the model or vary it)");
            mean[j] = m;
            sd[j] = Math.Sqrt(v);
            for (var r = 0; r < n; r++) x[r, j] = column[r] - m;
        }
        var covariance = x.TransposeThisAndMultiply(x) / (n - 1);
        Matrix<double> form;
        int kept;
        if (kind == DetectorKind.Mixture)
        {
            var mixture = GaussianMixture.Fit(x, sd, components, seed);
            return new AnomalyDetector(kind, columns, mixture.Select(c => c with { Center = c.Center + mean }).ToList(), mixture.Count, quantile, x, mean);
        }
        if (kind == DetectorKind.Mahalanobis)
        {
            var collinear = new InputException($"normal data: the columns {string.Join(", ", columns)} are collinear; the Mahalanobis detector needs an invertible covariance");
            MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> cholesky;
            try { cholesky = covariance.Cholesky(); }
            catch (ArgumentException) { throw collinear; } // MathNet's signal for a matrix that is not positive definite
            // Relative to the product of the variances: a near-zero ratio is numerical collinearity.
            if (!(cholesky.Determinant > 1e-12 * covariance.Diagonal().Aggregate(1.0, (p, v) => p * v))) throw collinear;
            form = cholesky.Solve(Matrix<double>.Build.DenseIdentity(d));
            form = (form + form.Transpose()) / 2;
            kept = d;
        }
        else
        {
            var scale = Matrix<double>.Build.DenseOfDiagonalVector(sd.Map(s => 1 / s));
            var correlation = scale * covariance * scale;
            var evd = correlation.Evd(Symmetricity.Symmetric);
            // MathNet orders eigenvalues ascending: the leading axes are the last columns.
            var values = evd.EigenValues.Select(c => c.Real).ToArray();
            if (components is { } k && (k < 1 || k >= d))
                throw new InputException($"the pca detector keeps between 1 and {d - 1} components, not {k}");
            kept = components ?? LeadingCount(values, DefaultExplainedVariance);
            var axes = evd.EigenVectors.SubMatrix(0, d, d - kept, kept);
            var residual = Matrix<double>.Build.DenseIdentity(d) - axes * axes.Transpose();
            form = scale * residual * scale;
        }
        return new AnomalyDetector(kind, columns, [new Ellipsoid(mean, form)], kept, quantile, x, mean);
    }

    /// <summary>
    /// The same detector over a wider row: <paramref name="columns"/> must include <see cref="Columns"/>; the others get
    /// no weight (zero rows and columns of each part's form), so scores and the threshold are unchanged.
    /// </summary>
    public AnomalyDetector Embed(IReadOnlyList<string> columns)
    {
        var wide = columns.ToList();
        var at = Columns.Select(c => wide.IndexOf(c) is var i and >= 0 ? i : throw new ArgumentException($"column '{c}' is not among the wider columns")).ToArray();
        var parts = Parts.Select(part =>
        {
            var center = Vector<double>.Build.Dense(columns.Count);
            var form = Matrix<double>.Build.Dense(columns.Count, columns.Count);
            for (var i = 0; i < at.Length; i++)
            {
                center[at[i]] = part.Center[i];
                for (var j = 0; j < at.Length; j++) form[at[i], at[j]] = part.Form[i, j];
            }
            return new Ellipsoid(center, form);
        }).ToList();
        return new AnomalyDetector(Kind, columns, parts, Components, Threshold);
    }

    private AnomalyDetector(DetectorKind kind, IReadOnlyList<string> columns, IReadOnlyList<Ellipsoid> parts, int components, double threshold)
    {
        Kind = kind;
        Columns = columns;
        Parts = parts;
        Components = components;
        Threshold = threshold;
    }

    /// <summary>The fewest leading eigenvalues (given ascending) whose sum reaches <paramref name="share"/> of the total, at most all but one.</summary>
    private static int LeadingCount(double[] ascending, double share)
    {
        var total = ascending.Sum();
        var sum = 0.0;
        for (var k = 1; k < ascending.Length; k++)
        {
            sum += ascending[^k];
            if (sum >= share * total) return k;
        }
        return ascending.Length - 1;
    }

    /// <summary>The score of one row given in <see cref="Columns"/> order.</summary>
    public double Score(ReadOnlySpan<double> x) => Math.Sqrt(Math.Max(0, Quadratic(x)));

    /// <summary>The smallest (x - m)' Q (x - m) over the parts.</summary>
    public double Quadratic(ReadOnlySpan<double> x)
    {
        var best = double.PositiveInfinity;
        foreach (var part in Parts) best = Math.Min(best, part.Quadratic(x));
        return best;
    }
}
