namespace OrleansRca.Causal.RootCause;

/// <summary>
/// The mechanism of a coded (categorical) node, whose noise lies inside it: x is the smallest code k with
/// F(k | parents) ≥ u, u uniform on (0, 1), where F is the conditional distribution function of the codes, one fitted
/// regression per code (<c>cumulative[k]</c> estimates P(x ≤ k | parents)). A row's noise is the middle of the interval
/// [F(x − 1), F(x)) its code occupies, and a counterfactual keeps that quantile: a code moves only when its parents
/// move its interval past the row's quantile (the monotone coupling in code order). An additive fit of codes
/// instead moves them by the fit's slope, to values no code has.
/// </summary>
/// <remarks>
/// Every code keeps a probability of at least <see cref="Floor"/>, so each interval is non-empty and a row's own
/// parents give back its own code. A code above those the normal rows showed sits past 1, one unit per code, and
/// comes back as itself.
/// </remarks>
public sealed class CodedMechanism(Mechanism[] cumulative) : Mechanism
{
    /// <summary>Least probability of every code, whatever the fitted regressions say.</summary>
    public const double Floor = 1e-6;

    /// <summary>P(x ≤ k | parents) for k = 0 .. codes − 2, as fitted (before the clamping and the floor).</summary>
    public IReadOnlyList<Mechanism> Cumulative { get; } = cumulative;

    /// <summary>The codes the normal rows showed: 0 .. Codes − 1.</summary>
    public int Codes => Cumulative.Count + 1;

    /// <summary>The conditional mean of the code (Σ_k P(x > k)): what the node is expected to be, for anything that reads f alone.</summary>
    public override double Evaluate(ReadOnlySpan<double> parents)
    {
        Span<double> f = stackalloc double[Codes];
        Distribution(parents, f);
        var mean = 0.0;
        for (var k = 0; k < Codes - 1; k++) mean += 1 - f[k];
        return mean;
    }

    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output) =>
        ForEachRow(parents, output, (row, _) => Evaluate(row), default);

    public override double Apply(ReadOnlySpan<double> parents, double noise)
    {
        if (noise > 1) return Codes - 1 + Math.Round(noise - 1);
        Span<double> f = stackalloc double[Codes];
        Distribution(parents, f);
        return CodeAt(f, noise);
    }

    /// <summary>The smallest code k with F(k) ≥ u.</summary>
    private int CodeAt(ReadOnlySpan<double> f, double u)
    {
        var k = 0;
        while (k < Codes - 1 && f[k] < u) k++;
        return k;
    }

    public override void Apply(ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> noise, Span<double> output) =>
        ForEachRow(parents, output, (row, r) => Apply(row, r), noise);

    public override void Abduct(ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> x, Span<double> output) =>
        ForEachRow(parents, output, (row, value) => Abduct(row, value), x);

    /// <summary>The middle of the row's interval [F(x − 1), F(x)); past 1 for a code above the fitted ones.</summary>
    public double Abduct(ReadOnlySpan<double> parents, double x)
    {
        var (below, upTo) = Interval(parents, x);
        return (below + upTo) / 2;
    }

    /// <summary>
    /// The quantiles a row with code <paramref name="x"/> at these parents may have: [F(x − 1), F(x)), all the data says
    /// of its noise. A code above the fitted ones is its own point past 1 (both ends); NaN for a negative code.
    /// </summary>
    public (double Below, double UpTo) Interval(ReadOnlySpan<double> parents, double x)
    {
        var code = (int)Math.Round(x);
        if (code >= Codes) return (1 + (code - (Codes - 1)), 1 + (code - (Codes - 1)));
        if (code < 0) return (double.NaN, double.NaN);
        Span<double> f = stackalloc double[Codes];
        Distribution(parents, f);
        return (code == 0 ? 0 : f[code - 1], f[code]);
    }

    /// <summary>
    /// The codes a quantile anywhere inside (<paramref name="below"/>, <paramref name="upTo"/>) gives at these parents:
    /// a contiguous run, since the code is non-decreasing in the quantile.
    /// </summary>
    public (int First, int Last) CodesWithin(ReadOnlySpan<double> parents, double below, double upTo)
    {
        if (below > 1)
        {
            var own = (int)Apply(parents, below);
            return (own, own);
        }
        Span<double> f = stackalloc double[Codes];
        Distribution(parents, f);
        var inset = 1e-9 * (upTo - below);
        return (CodeAt(f, below + inset), CodeAt(f, upTo - inset));
    }

    /// <summary>F(k | parents) for every code: the fits clamped to [0, 1], made non-decreasing, every code given <see cref="Floor"/>.</summary>
    private void Distribution(ReadOnlySpan<double> parents, Span<double> f)
    {
        var running = 0.0;
        for (var k = 0; k < Codes - 1; k++)
        {
            running = Math.Max(running, Math.Clamp(Cumulative[k].Evaluate(parents), 0, 1));
            f[k] = running * (1 - Codes * Floor) + (k + 1) * Floor;
        }
        f[Codes - 1] = 1;
    }

    private delegate double RowFunction(ReadOnlySpan<double> parents, double value);

    /// <summary>Applies <paramref name="function"/> row by row (codes are few and rows are cheap; no batch form pays here).</summary>
    private static void ForEachRow(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output, RowFunction function, ReadOnlySpan<double> values)
    {
        Span<double> row = stackalloc double[parents.Length];
        for (var r = 0; r < output.Length; r++)
        {
            for (var p = 0; p < parents.Length; p++) row[p] = parents[p].Span[r];
            output[r] = function(row, values.IsEmpty ? 0 : values[r]);
        }
    }
}
