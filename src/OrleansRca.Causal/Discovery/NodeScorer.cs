using MathNet.Numerics;

namespace OrleansRca.Causal.Discovery;

/// <summary>
/// One node's local score under a parent set, with that node's intervention targets decided inside it.
/// <para>
/// The model: x_j = b0 + Σ b_k pa_k + u in every regime where j is not intervened on (the mechanism is
/// shared), and, in a regime where it is, a different mechanism: its intercept shifted (a soft, shift
/// intervention) or x_j no longer depending on its parents (a hard one). The score is
/// BIC(the pooled rows where j is not a target) + Σ over target regimes of log p(rows | changed mechanism)
/// + the log prior of the target set, i.e. an approximation of log p(all of j's rows | parents).
/// </para>
/// <para>
/// Targets are decided by closed-form Bayesian tests: the rows of regime r under the pooled mechanism
/// (the posterior predictive of a Bayesian linear regression with the Jeffreys prior fitted on the other
/// pooled rows: a multivariate Student t) against a changed one (shift: the same predictive with a
/// Gaussian prior on an intercept shift, at a few scales; hard: a normal-inverse-gamma model of the rows
/// alone, centred on the node's pooled marginal). Both are exact at any row count, so they work on 10
/// rows. The decisions and the pooled fit alternate: first against the observational rows only, then
/// against all rows not flagged, until the flags stop changing.
/// </para>
/// </summary>
internal sealed class NodeScorer
{
    // Shift scales in noise standard deviations, and prior precisions of a hard intervention's mean
    // (relative to its variance): a small grid averaged with equal weight, so no single size is assumed.
    internal static readonly double[] ShiftScales = [0.5, 1.5, 4, 10];
    internal static readonly double[] HardPrecisions = [1, 0.1, 0.01];
    // The hard model's prior on the intervened variance: inverse gamma with this shape and the node's pooled variance as mean.
    internal const double HardVarianceShape = 2;

    private readonly RegimeStatistics _stats;
    private readonly int _block;
    private readonly double[][] _sums;
    private readonly double[][] _cross;
    private readonly Dictionary<ulong, LocalResult> _cache = [];
    private readonly double _penalty;
    private readonly double _edgePenalty;
    private readonly double _logPrior;
    private readonly double _logNotPrior;
    private readonly int _passes;

    public int Node { get; }
    /// <summary>Global indices of the parent candidates; parent sets are bit masks over this list.</summary>
    public int[] Candidates { get; }

    /// <param name="edgePenalty">Subtracted per parent: the extended BIC's γ·log(nodes), so that many candidate edges do not buy many false ones.</param>
    public NodeScorer(RegimeStatistics stats, int node, int[] candidates, double penalty, double targetPrior, int passes, double edgePenalty = 0)
    {
        _edgePenalty = edgePenalty;
        _stats = stats;
        Node = node;
        Candidates = candidates;
        _penalty = penalty;
        _logPrior = Math.Log(targetPrior);
        _logNotPrior = Math.Log(1 - targetPrior);
        _passes = passes;
        // The block holds the candidates, then the node itself.
        _block = candidates.Length + 1;
        var vars = candidates.Append(node).ToArray();
        var p = stats.Nodes;
        _sums = new double[stats.Regimes][];
        _cross = new double[stats.Regimes][];
        for (var r = 0; r < stats.Regimes; r++)
        {
            _sums[r] = vars.Select(v => stats.Sums[r][v]).ToArray();
            var c = new double[_block * _block];
            for (var a = 0; a < _block; a++)
                for (var b = 0; b < _block; b++) c[a * _block + b] = stats.Cross[r][vars[a] * p + vars[b]];
            _cross[r] = c;
        }
    }

    public int CacheSize => _cache.Count;

    /// <summary>A local score computed elsewhere (a node grain) for the same statistics and candidates.</summary>
    public void Seed(ulong mask, LocalResult result) => _cache.TryAdd(mask, result);

    /// <summary>The parent sets a search scores first: the empty set and every single candidate.</summary>
    public static ulong[] FirstMasks(int candidates) => [0UL, .. Enumerable.Range(0, candidates).Select(i => 1UL << i)];

    /// <summary>Local results packed for a message: per mask, the score, then 0/1 per regime, then each posterior.</summary>
    public static double[] Pack(IReadOnlyList<LocalResult> results, int regimes)
    {
        var width = 1 + 2 * regimes;
        var packed = new double[results.Count * width];
        for (var k = 0; k < results.Count; k++)
        {
            packed[k * width] = results[k].Score;
            for (var r = 0; r < regimes; r++)
            {
                packed[k * width + 1 + r] = results[k].Targets[r] ? 1 : 0;
                packed[k * width + 1 + regimes + r] = results[k].Posterior[r];
            }
        }
        return packed;
    }

    public static LocalResult[] Unpack(double[] packed, int regimes)
    {
        var width = 1 + 2 * regimes;
        if (packed.Length % width != 0) throw new ArgumentException($"{packed.Length} values are not whole results of width {width}");
        return Enumerable.Range(0, packed.Length / width).Select(k => new LocalResult(packed[k * width],
            Enumerable.Range(0, regimes).Select(r => packed[k * width + 1 + r] != 0).ToArray(),
            Enumerable.Range(0, regimes).Select(r => packed[k * width + 1 + regimes + r]).ToArray())).ToArray();
    }

    public LocalResult Score(ulong mask)
    {
        if (_cache.TryGetValue(mask, out var cached)) return cached;
        var result = Compute(mask);
        _cache[mask] = result;
        return result;
    }

    /// <summary>Design moments of one row set: Xᵀ X (intercept first), Xᵀ y, yᵀ y and the row count.</summary>
    internal sealed class Moments(int d)
    {
        public readonly double[] XtX = new double[d * d];
        public readonly double[] Xty = new double[d];
        public double Yty;
        public double N => XtX[0];

        public void Add(Moments other, double sign)
        {
            for (var i = 0; i < XtX.Length; i++) XtX[i] += sign * other.XtX[i];
            for (var i = 0; i < Xty.Length; i++) Xty[i] += sign * other.Xty[i];
            Yty += sign * other.Yty;
        }

        public Moments Copy()
        {
            var m = new Moments(Xty.Length);
            m.Add(this, 1);
            return m;
        }
    }

    private Moments RegimeMoments(int r, int[] vars)
    {
        var d = vars.Length + 1;
        var m = new Moments(d);
        var y = _block - 1;
        var sums = _sums[r];
        var cross = _cross[r];
        m.XtX[0] = _stats.Rows[r];
        for (var i = 0; i < vars.Length; i++)
        {
            m.XtX[i + 1] = m.XtX[(i + 1) * d] = sums[vars[i]];
            for (var k = 0; k < vars.Length; k++) m.XtX[(i + 1) * d + k + 1] = cross[vars[i] * _block + vars[k]];
            m.Xty[i + 1] = cross[vars[i] * _block + y];
        }
        m.Xty[0] = sums[y];
        m.Yty = cross[y * _block + y];
        return m;
    }

    internal static int[] Bits(ulong mask)
    {
        var list = new int[System.Numerics.BitOperations.PopCount(mask)];
        var i = 0;
        while (mask != 0)
        {
            list[i++] = System.Numerics.BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
        }
        return list;
    }

    private LocalResult Compute(ulong mask)
    {
        var vars = Bits(mask);
        var d = vars.Length + 1;
        var regimes = _stats.Regimes;
        var moments = new Moments[regimes];
        for (var r = 0; r < regimes; r++) moments[r] = RegimeMoments(r, vars);

        var targets = new bool[regimes];
        var posterior = new double[regimes];
        var logChanged = new double[regimes];
        // First pass: each regime against the observational rows alone (nothing flagged yet to leave out).
        for (var r = 1; r < regimes; r++)
            Decide(r, moments[0], moments[r], d, targets, posterior, logChanged);
        for (var pass = 1; pass < _passes && regimes > 1; pass++)
        {
            var pooled = Pooled(moments, targets, d);
            var next = new bool[regimes];
            for (var r = 1; r < regimes; r++)
            {
                var rest = pooled;
                if (!targets[r])
                {
                    rest = pooled.Copy();
                    rest.Add(moments[r], -1);
                }
                Decide(r, rest, moments[r], d, next, posterior, logChanged);
            }
            var same = next.AsSpan().SequenceEqual(targets);
            targets = next;
            if (same) break;
        }

        var score = Bic(Pooled(moments, targets, d), d) - _edgePenalty * vars.Length;
        for (var r = 1; r < regimes; r++)
            score += targets[r] ? logChanged[r] + _logPrior : _logNotPrior;
        return new LocalResult(score, targets, posterior);
    }

    private static Moments Pooled(Moments[] moments, bool[] targets, int d)
    {
        var pooled = new Moments(d);
        for (var r = 0; r < moments.Length; r++)
            if (!targets[r]) pooled.Add(moments[r], 1);
        return pooled;
    }

    private void Decide(int r, Moments rest, Moments regime, int d, bool[] targets, double[] posterior, double[] logChanged)
    {
        var (h0, h1) = Test(rest, regime, d);
        var logOdds = h1 - h0 + _logPrior - _logNotPrior;
        posterior[r] = 1 / (1 + Math.Exp(-logOdds));
        targets[r] = logOdds > 0;
        logChanged[r] = h1;
    }

    /// <summary>Gaussian log-likelihood at the least-squares fit minus the (scaled) BIC penalty; parameters: the weights, the intercept, the variance.</summary>
    internal double Bic(Moments m, int d)
    {
        var n = m.N;
        var rss = ResidualSumOfSquares(m, d, out _, out _);
        return -0.5 * n * (Math.Log(2 * Math.PI * rss / n) + 1) - _penalty * 0.5 * (d + 1) * Math.Log(n);
    }

    /// <summary>yᵀy − β̂ᵀXᵀy at β̂ = (XᵀX)⁻¹Xᵀy, floored so an exact fit stays finite.</summary>
    internal static double ResidualSumOfSquares(Moments m, int d, out double[] beta, out double[] factor)
    {
        factor = new double[d * d];
        beta = (double[])m.Xty.Clone();
        if (!SmallMatrix.Cholesky(m.XtX, d, factor))
            throw new InvalidOperationException("the design moments are not positive definite");
        SmallMatrix.Solve(factor, d, beta);
        var rss = m.Yty;
        for (var i = 0; i < d; i++) rss -= beta[i] * m.Xty[i];
        return Math.Max(rss, 1e-12 * Math.Max(m.N, 1));
    }

    /// <summary>
    /// Log densities of a regime's rows (given the rest) under the pooled mechanism (h0) and under a
    /// changed one (h1, the equal-weight mixture of the shift and hard models over their scale grids).
    /// </summary>
    internal static (double H0, double H1) Test(Moments rest, Moments regime, int d)
    {
        var nu = rest.N - d;
        if (nu < 1) return (0, 0);
        var rss = ResidualSumOfSquares(rest, d, out var beta, out var restFactor);
        var s2 = rss / nu;
        var logDetRest = SmallMatrix.LogDeterminant(restFactor, d);
        var m = regime.N;

        // Residuals of the regime's rows at the pooled fit, from its moments alone.
        var xtxBeta = new double[d];
        for (var i = 0; i < d; i++)
            for (var k = 0; k < d; k++) xtxBeta[i] += regime.XtX[i * d + k] * beta[k];
        var ete = regime.Yty;
        var xte = new double[d];
        for (var i = 0; i < d; i++)
        {
            ete += -2 * beta[i] * regime.Xty[i] + beta[i] * xtxBeta[i];
            xte[i] = regime.Xty[i] - xtxBeta[i];
        }

        // H0: y_r ~ t_nu(X_r β̂, s² (I + X_r V X_rᵀ)), V = (XᵀX)⁻¹; determinant and quadratic form by Sylvester and Woodbury.
        var a = new double[d * d];
        for (var i = 0; i < a.Length; i++) a[i] = rest.XtX[i] + regime.XtX[i];
        var factor = new double[d * d];
        SmallMatrix.Cholesky(a, d, factor);
        var h0 = StudentT(nu, m, s2, SmallMatrix.LogDeterminant(factor, d) - logDetRest, ete - SmallMatrix.InverseQuadratic(factor, d, xte));

        // Shift: one more column of ones with prior variance τ²σ² on its coefficient.
        var e = d + 1;
        var shifted = new double[e * e];
        for (var i = 0; i < d; i++)
        {
            for (var k = 0; k < d; k++) shifted[i * e + k] = a[i * d + k];
            shifted[i * e + d] = shifted[d * e + i] = regime.XtX[i * d];
        }
        var zte = new double[e];
        Array.Copy(xte, zte, d);
        zte[d] = xte[0];
        var shiftFactor = new double[e * e];
        var mixture = new List<double>(ShiftScales.Length + HardPrecisions.Length);
        foreach (var tau in ShiftScales)
        {
            shifted[d * e + d] = m + 1 / (tau * tau);
            SmallMatrix.Cholesky(shifted, e, shiftFactor);
            var logDet = SmallMatrix.LogDeterminant(shiftFactor, e) - logDetRest + Math.Log(tau * tau);
            mixture.Add(StudentT(nu, m, s2, logDet, ete - SmallMatrix.InverseQuadratic(shiftFactor, e, zte)) + Math.Log(0.5 / ShiftScales.Length));
        }

        // Hard: the rows alone, normal with unknown mean and variance, prior centred on the pooled marginal.
        var n = rest.N;
        var m0 = rest.Xty[0] / n;
        var v = Math.Max((rest.Yty - n * m0 * m0) / (n - 1), 1e-12);
        var yBar = regime.Xty[0] / m;
        var ss = Math.Max(regime.Yty - m * yBar * yBar, 0);
        var alpha0 = HardVarianceShape;
        var beta0 = (alpha0 - 1) * v;
        foreach (var kappa0 in HardPrecisions)
        {
            var kappaN = kappa0 + m;
            var alphaN = alpha0 + m / 2;
            var betaN = beta0 + ss / 2 + kappa0 * m * (yBar - m0) * (yBar - m0) / (2 * kappaN);
            var log = SpecialFunctions.GammaLn(alphaN) - SpecialFunctions.GammaLn(alpha0) + alpha0 * Math.Log(beta0) - alphaN * Math.Log(betaN)
                      + 0.5 * Math.Log(kappa0 / kappaN) - m / 2 * Math.Log(2 * Math.PI);
            mixture.Add(log + Math.Log(0.5 / HardPrecisions.Length));
        }
        return (h0, LogSumExp(mixture));
    }

    /// <summary>Log density of an m-variate Student t with nu degrees of freedom, scale s²·M: log|M| and the quadratic form eᵀM⁻¹e given.</summary>
    internal static double StudentT(double nu, double m, double s2, double logDetM, double quadratic) =>
        SpecialFunctions.GammaLn((nu + m) / 2) - SpecialFunctions.GammaLn(nu / 2) - m / 2 * Math.Log(nu * Math.PI * s2)
        - 0.5 * logDetM - (nu + m) / 2 * Math.Log(1 + Math.Max(quadratic, 0) / (nu * s2));

    internal static double LogSumExp(IReadOnlyList<double> values)
    {
        var max = values.Max();
        var sum = 0.0;
        foreach (var v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}

/// <summary>A node's local score under one parent set, with the regimes where it is judged intervened on and each regime's posterior probability of that.</summary>
internal sealed record LocalResult(double Score, bool[] Targets, double[] Posterior);
