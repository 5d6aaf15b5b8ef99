namespace OrleansRca.Causal.Models;

/// <summary>
/// The deterministic part f of an additive-noise mechanism x = f(parents) + u (or, for a mechanism that
/// overrides <c>Apply</c> and <c>Abduct</c>, one whose noise lies inside it). Parent values are passed in
/// the order of the node's parents in the graph.
/// </summary>
public abstract class Mechanism
{
    /// <summary>f over a batch of rows: <paramref name="parents"/>[k] is parent k's column slice.</summary>
    public abstract void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output);

    /// <summary>f for one row.</summary>
    public abstract double Evaluate(ReadOnlySpan<double> parents);

    /// <summary>
    /// The node's value from its parents and its noise: f(parents) + u for additive noise. A mechanism whose noise lies
    /// inside it (a coded node's quantile) overrides this and <see cref="Abduct(ReadOnlySpan{ReadOnlyMemory{double}}, ReadOnlySpan{double}, Span{double})"/>.
    /// </summary>
    public virtual void Apply(ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> noise, Span<double> output)
    {
        Evaluate(parents, output);
        TensorPrimitives.Add(output, noise, output);
    }

    /// <summary>One row of <see cref="Apply(ReadOnlySpan{ReadOnlyMemory{double}}, ReadOnlySpan{double}, Span{double})"/>.</summary>
    public virtual double Apply(ReadOnlySpan<double> parents, double noise) => Evaluate(parents) + noise;

    /// <summary>The noise that gives the node its value <paramref name="x"/> under these parents: x − f(parents) for additive noise.</summary>
    public virtual void Abduct(ReadOnlySpan<ReadOnlyMemory<double>> parents, ReadOnlySpan<double> x, Span<double> output)
    {
        Evaluate(parents, output);
        TensorPrimitives.Subtract(x, output, output);
    }

    /// <summary>
    /// f = constant + Σ parts, each part reading only its <c>Parents</c> (positions in the parent list;
    /// disjoint across parts), or empty when f does not split. See <see cref="Formula.AdditiveParts"/>.
    /// </summary>
    public virtual IReadOnlyList<(int[] Parents, Mechanism Part)> AdditiveParts => [];
}

/// <summary>w · parent_k: one part of a linear mechanism.</summary>
public sealed class ScaledParent(int parent, double weight) : Mechanism
{
    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output) =>
        TensorPrimitives.Multiply(parents[parent].Span[..output.Length], weight, output);

    public override double Evaluate(ReadOnlySpan<double> parents) => weight * parents[parent];
}

/// <summary>f = intercept + Σ w_k parent_k.</summary>
public sealed class LinearMechanism(double intercept, double[] weights) : Mechanism
{
    public double Intercept { get; } = intercept;
    /// <summary>One weight per parent, in parent order.</summary>
    public IReadOnlyList<double> Weights { get; } = weights;
    private readonly double[] _weights = weights;

    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output)
    {
        output.Fill(Intercept);
        for (var k = 0; k < _weights.Length; k++)
            if (_weights[k] != 0)
                TensorPrimitives.MultiplyAdd(parents[k].Span[..output.Length], _weights[k], output, output);
    }

    public override double Evaluate(ReadOnlySpan<double> parents)
    {
        var sum = Intercept;
        for (var k = 0; k < _weights.Length; k++) sum += _weights[k] * parents[k];
        return sum;
    }

    public override IReadOnlyList<(int[] Parents, Mechanism Part)> AdditiveParts =>
        _parts ??= [.. _weights.Select((w, k) => (new[] { k }, (Mechanism)new ScaledParent(k, w))).Where(p => _weights[p.Item1[0]] != 0)];

    private IReadOnlyList<(int[] Parents, Mechanism Part)>? _parts;
}

/// <summary>A sandboxed formula compiled once (see <see cref="Models.Formula"/>).</summary>
public sealed class FormulaMechanism(Formula formula) : Mechanism
{
    public Formula Formula { get; } = formula;

    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output) =>
        Formula.Evaluate(parents, output);

    public override double Evaluate(ReadOnlySpan<double> parents) => Formula.Evaluate(parents);

    public override IReadOnlyList<(int[] Parents, Mechanism Part)> AdditiveParts =>
        _parts ??= [.. Formula.AdditiveParts().Select(p => (p.Variables, (Mechanism)new FormulaMechanism(p.Part)))];

    private IReadOnlyList<(int[] Parents, Mechanism Part)>? _parts;
}
