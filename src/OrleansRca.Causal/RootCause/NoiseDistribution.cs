namespace OrleansRca.Causal.RootCause;

/// <summary>
/// A node's abducted normal-noise distribution: the empirical CDF of its noise on normal rows (mid-rank
/// plotting positions, linear between order statistics) with exponential tails beyond the sample, so
/// a value past every normal one still gets a finite, ordered tail probability instead of a flat 0 or 1.
/// Tail scales are the maximum-likelihood exponential fit to the excesses of the outermost
/// <see cref="TailFraction"/> of the sample (at least <see cref="MinTailPoints"/> points), floored at
/// <see cref="Resolution"/> times the node's typical magnitude: a node that was constant in normal operation
/// (a service at 100% availability) has no spread to learn from, and a drop of a thousandth of its level is
/// then worth one e-fold of tail probability, whatever its unit, for roots and fitted nodes alike.
/// </summary>
public sealed class NoiseDistribution
{
    public const double TailFraction = 0.05;
    public const int MinTailPoints = 5;
    public const double Resolution = 1e-3;

    private readonly double[] _sorted;
    private readonly double _lowerScale;
    private readonly double _upperScale;

    public int Count => _sorted.Length;
    public double Median { get; }
    public double StandardDeviation { get; }
    /// <summary>True when every normal value is the same: any other value is maximally surprising.</summary>
    public bool IsConstant { get; }

    private NoiseDistribution(double[] sorted, double magnitude)
    {
        _sorted = sorted;
        var n = sorted.Length;
        Median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        var mean = sorted.Average();
        StandardDeviation = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, n - 1));
        IsConstant = sorted[0] == sorted[^1];
        var floor = Math.Max(1e-12, Resolution * magnitude);
        var k = Math.Min(n - 1, Math.Max(MinTailPoints, (int)(TailFraction * n)));
        if (k <= 0) { _upperScale = _lowerScale = Math.Max(floor, StandardDeviation); return; }
        double up = 0, down = 0;
        for (var i = 0; i < k; i++)
        {
            up += sorted[n - 1 - i] - sorted[n - 1 - k];
            down += sorted[k] - sorted[i];
        }
        _upperScale = Math.Max(floor, up / k);
        _lowerScale = Math.Max(floor, down / k);
    }

    /// <summary>The distribution of the finite values of <paramref name="values"/> (NaN is skipped).</summary>
    /// <param name="magnitude">The node's typical absolute value (its unit); default: the sample's own.</param>
    public static NoiseDistribution FromSample(ReadOnlySpan<double> values, double? magnitude = null)
    {
        var list = new List<double>(values.Length);
        foreach (var v in values) if (double.IsFinite(v)) list.Add(v);
        if (list.Count == 0) throw new ArgumentException("a noise distribution needs at least one finite value");
        var sorted = list.ToArray();
        Array.Sort(sorted);
        return new NoiseDistribution(sorted, magnitude ?? sorted.Average(Math.Abs));
    }

    /// <summary>The sorted normal sample (for drawing noise in attribution).</summary>
    public ReadOnlySpan<double> Sorted => _sorted;

    /// <summary>F(x) and the surprise −log(2·min(F, 1−F)) (capped at 0) in one look-up.</summary>
    public (double Cdf, double Surprise) Score(double x)
    {
        if (x > _sorted[^1] || x < _sorted[0])
        {
            var (lowerLog, upperLog) = LogTails(x);
            return (lowerLog < upperLog ? Math.Exp(lowerLog) : 1 - Math.Exp(upperLog), -Math.Min(0, Math.Log(2) + Math.Min(lowerLog, upperLog)));
        }
        var f = InteriorCdf(x);
        return (f, -Math.Min(0, Math.Log(2 * Math.Min(f, 1 - f))));
    }

    /// <summary>F(x) in (0, 1).</summary>
    public double Cdf(double x)
    {
        var (lowerLog, upperLog) = LogTails(x);
        return lowerLog < upperLog ? Math.Exp(lowerLog) : 1 - Math.Exp(upperLog);
    }

    /// <summary>Two-sided tail probability 2·min(F, 1−F), capped at 1.</summary>
    public double TwoSidedTail(double x) => Math.Exp(LogTwoSidedTail(x));

    /// <summary>−log of the two-sided tail probability: 0 at the median, growing without bound (finitely) outside the sample.</summary>
    public double Surprise(double x) => -LogTwoSidedTail(x);

    private double LogTwoSidedTail(double x)
    {
        var (lowerLog, upperLog) = LogTails(x);
        return Math.Min(0, Math.Log(2) + Math.Min(lowerLog, upperLog));
    }

    /// <summary>(log F(x), log(1 − F(x))), each computed on its own side so far tails keep their precision.</summary>
    private (double Lower, double Upper) LogTails(double x)
    {
        var n = _sorted.Length;
        var edge = 0.5 / n;
        if (x > _sorted[^1])
            return (double.LogP1(-edge * Math.Exp(-(x - _sorted[^1]) / _upperScale)), Math.Log(edge) - (x - _sorted[^1]) / _upperScale);
        if (x < _sorted[0])
            return (Math.Log(edge) - (_sorted[0] - x) / _lowerScale, double.LogP1(-edge * Math.Exp(-(_sorted[0] - x) / _lowerScale)));
        var f = InteriorCdf(x);
        return (Math.Log(f), Math.Log(1 - f));
    }

    // Mid-rank positions (i + 0.5) / n at the order statistics, linear in between; a tied run takes its middle.
    private double InteriorCdf(double x)
    {
        var n = _sorted.Length;
        var lo = LowerBound(x);
        // Ties are rare in continuous data: find the end of the run only when x is in the sample.
        var hi = lo < n && _sorted[lo] == x ? UpperBound(x) : lo;
        if (hi > lo) return 0.5 * (lo + hi) / n;
        // _sorted[lo - 1] < x < _sorted[lo]
        var a = _sorted[lo - 1];
        var b = _sorted[lo];
        var pa = (lo - 1 + 0.5) / n;
        var pb = (lo + 0.5) / n;
        return pa + (pb - pa) * (x - a) / (b - a);
    }

    private int LowerBound(double x)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi) { var mid = (lo + hi) >>> 1; if (_sorted[mid] < x) lo = mid + 1; else hi = mid; }
        return lo;
    }

    private int UpperBound(double x)
    {
        int lo = 0, hi = _sorted.Length;
        while (lo < hi) { var mid = (lo + hi) >>> 1; if (_sorted[mid] <= x) lo = mid + 1; else hi = mid; }
        return lo;
    }
}
