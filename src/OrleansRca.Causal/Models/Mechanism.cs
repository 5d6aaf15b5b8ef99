using System.Numerics.Tensors;

namespace OrleansRca.Causal.Models;

/// <summary>
/// The deterministic part f of an additive-noise mechanism x = f(parents) + u. Parent values are
/// passed in the order of the node's parents in the graph.
/// </summary>
public abstract class Mechanism
{
    /// <summary>f over a batch of rows: <paramref name="parents"/>[k] is parent k's column slice.</summary>
    public abstract void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output);

    /// <summary>f for one row.</summary>
    public abstract double Evaluate(ReadOnlySpan<double> parents);
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
}

/// <summary>A sandboxed formula compiled once (see <see cref="Models.Formula"/>).</summary>
public sealed class FormulaMechanism(Formula formula) : Mechanism
{
    public Formula Formula { get; } = formula;

    public override void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> parents, Span<double> output) =>
        Formula.Evaluate(parents, output);

    public override double Evaluate(ReadOnlySpan<double> parents) => Formula.Evaluate(parents);
}
