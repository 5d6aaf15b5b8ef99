namespace OrleansRca.Causal.Discovery;

/// <summary>
/// Dense symmetric positive-definite algebra on the tiny systems of local scores (a node and its
/// parents: rarely above 10×10). Row-major arrays, no allocation beyond the factor: these run hundreds
/// of thousands of times in a search, where a general matrix library's overhead would dominate.
/// </summary>
internal static class SmallMatrix
{
    /// <summary>
    /// Cholesky factor L (lower, row-major) of the n×n matrix <paramref name="a"/>; false when it is not
    /// positive definite. A relative jitter on the diagonal keeps exactly collinear columns solvable.
    /// </summary>
    public static bool Cholesky(double[] a, int n, double[] l)
    {
        var scale = 0.0;
        for (var i = 0; i < n; i++) scale = Math.Max(scale, a[i * n + i]);
        var jitter = 1e-12 * Math.Max(scale, 1e-300);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i * n + j];
                for (var k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    sum += jitter;
                    if (!(sum > 0)) return false;
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
            for (var j = i + 1; j < n; j++) l[i * n + j] = 0;
        }
        return true;
    }

    public static double LogDeterminant(double[] l, int n)
    {
        var sum = 0.0;
        for (var i = 0; i < n; i++) sum += Math.Log(l[i * n + i]);
        return 2 * sum;
    }

    /// <summary>Solves L Lᵀ x = b in place of <paramref name="x"/> (which holds b on entry).</summary>
    public static void Solve(double[] l, int n, double[] x)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = x[i];
            for (var k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
            x[i] = sum / l[i * n + i];
        }
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = x[i];
            for (var k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
            x[i] = sum / l[i * n + i];
        }
    }

    /// <summary>bᵀ A⁻¹ b from the factor of A.</summary>
    public static double InverseQuadratic(double[] l, int n, ReadOnlySpan<double> b)
    {
        // Forward substitution only: bᵀ A⁻¹ b = |L⁻¹ b|².
        Span<double> z = n <= 64 ? stackalloc double[n] : new double[n];
        var sum2 = 0.0;
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++) sum -= l[i * n + k] * z[k];
            z[i] = sum / l[i * n + i];
            sum2 += z[i] * z[i];
        }
        return sum2;
    }
}
