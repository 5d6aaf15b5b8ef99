namespace OrleansRca.Causal.RootCause;

/// <summary>One derived feature of a node's parents.</summary>
internal enum TermKind { Linear, Square, Hinge, Product, MaxDiff, Step, GatedLinear }

/// <summary>
/// A term over parents <c>A</c> (and <c>B</c>): with z = (x − mean) / sd per parent, Linear z_a, Square z_a²,
/// Hinge max(0, z_a − knot), Product z_a·z_b, MaxDiff max(0, x_a − x_b) on the raw scale (so that a
/// maximum of parents, as in a service waiting for parallel calls, is exactly representable), Step 1 when
/// z_a &gt; knot (else 0), GatedLinear z_b when z_a &gt; knot (else 0): with the linear terms, one linear model on
/// each side of a threshold of parent a (a rule that switches a mechanism off past a limit).
/// </summary>
internal readonly record struct Term(TermKind Kind, int A, int B, double Knot);

/// <summary>The recipe turning parent values into features: parent scalings and the term list.</summary>
internal sealed class BasisSpec(double[] means, double[] scales, Term[] terms, string family)
{
    public double[] Means { get; } = means;
    public double[] Scales { get; } = scales;
    public Term[] Terms { get; } = terms;
    public string Family { get; } = family;

    public double Feature(int t, ReadOnlySpan<double> parents)
    {
        var term = Terms[t];
        switch (term.Kind)
        {
            case TermKind.Linear: return Z(term.A, parents);
            case TermKind.Square: { var z = Z(term.A, parents); return z * z; }
            case TermKind.Hinge: return Math.Max(0, Z(term.A, parents) - term.Knot);
            case TermKind.Product: return Z(term.A, parents) * Z(term.B, parents);
            case TermKind.Step: return Z(term.A, parents) > term.Knot ? 1 : 0;
            case TermKind.GatedLinear: return Z(term.A, parents) > term.Knot ? Z(term.B, parents) : 0;
            default: return Math.Max(0, parents[term.A] - parents[term.B]);
        }
    }

    private double Z(int k, ReadOnlySpan<double> parents) => (parents[k] - Means[k]) / Scales[k];

    /// <summary>Feature columns over rows: <paramref name="parents"/>[k] is parent k's column.</summary>
    public double[][] Columns(IReadOnlyList<double[]> parents, int[] rows)
    {
        var p = parents.Count;
        var values = new double[p];
        var columns = new double[Terms.Length][];
        for (var t = 0; t < columns.Length; t++) columns[t] = new double[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var k = 0; k < p; k++) values[k] = parents[k][rows[i]];
            for (var t = 0; t < columns.Length; t++) columns[t][i] = Feature(t, values);
        }
        return columns;
    }
}

/// <summary>
/// A fitted flexible mechanism: f = intercept + Σ w_t·feature_t(parents). Parents the fit dropped (constant
/// or collinear in the normal data) carry no term; <see cref="Parents"/> maps the spec's parents to the
/// node's parent positions.
/// </summary>
internal sealed class BasisMechanism(BasisSpec spec, int[] parents, double intercept, double[] weights) : Mechanism
{
    public BasisSpec Spec { get; } = spec;
    public int[] Parents { get; } = parents;
    public double Intercept { get; } = intercept;
    public double[] Weights { get; } = weights;

    public override double Evaluate(ReadOnlySpan<double> parents)
    {
        Span<double> kept = Parents.Length <= 64 ? stackalloc double[Parents.Length] : new double[Parents.Length];
        for (var k = 0; k < Parents.Length; k++) kept[k] = parents[Parents[k]];
        var sum = Intercept;
        for (var t = 0; t < Weights.Length; t++) sum += Weights[t] * Spec.Feature(t, kept);
        return sum;
    }

    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output)
    {
        Span<double> kept = Parents.Length <= 64 ? stackalloc double[Parents.Length] : new double[Parents.Length];
        for (var r = 0; r < output.Length; r++)
        {
            for (var k = 0; k < Parents.Length; k++) kept[k] = parents[Parents[k]].Span[r];
            var sum = Intercept;
            for (var t = 0; t < Weights.Length; t++) sum += Weights[t] * Spec.Feature(t, kept);
            output[r] = sum;
        }
    }
}
