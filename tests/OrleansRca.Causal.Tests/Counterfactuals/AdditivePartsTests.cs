namespace OrleansRca.Causal.Tests.Counterfactuals;

/// <summary>Moving a node from its baseline by the parts that read moved parents equals evaluating it whole.</summary>
public sealed class AdditivePartsTests
{
    private static readonly string[] Parents = ["a", "b", "c", "d"];

    [Theory]
    [InlineData("1 + 2 * a - tanh(b) + c * d", new[] { "a", "b", "c|d" })]
    [InlineData("-(a + b) - (exp(c) - 3)", new[] { "a", "b", "c" })]
    [InlineData("a * b + b * c + d", new[] { "a|b|c", "d" })]
    [InlineData("max(a, b) + 0.5", new[] { "a|b" })]
    [InlineData("4", new string[0])]
    public void A_formula_splits_into_parts_over_disjoint_parents(string expression, string[] expected)
    {
        var parts = Formula.Compile(expression, Parents, "x").AdditiveParts();

        Assert.Equal(expected.Order(), parts.Select(p => string.Join("|", p.Variables.Select(v => Parents[v]))).Order());
        // The parts sum to the formula minus its constant: check on a row, the constant found at zero.
        var formula = Formula.Compile(expression, Parents, "x");
        var row = new[] { 0.3, -1.2, 0.7, 2.0 };
        var zero = new double[4];
        Assert.Equal(formula.Evaluate(row) - formula.Evaluate(zero),
            parts.Sum(p => p.Part.Evaluate(row) - p.Part.Evaluate(zero)), 12);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(30_000)]
    public void Propagating_from_a_baseline_equals_propagating_whole(int rows)
    {
        // a -> {b, c, o}; b -> o; c -> o; o has four additive parts; b moves, so o changes by one part.
        var model = ModelFile.Parse("""
            {"nodes":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"},{"name":"o"}],
             "edges":[["a","b"],["a","c"],["a","o"],["b","o"],["c","o"],["d","o"]],
             "mechanisms":{"b":{"kind":"formula","expression":"tanh(a) + 0.1 * a ^ 2"},
                           "c":{"kind":"linear","intercept":0.5,"weights":{"a":-2}},
                           "o":{"kind":"formula","expression":"0.3 * exp(0.1 * b) + sqrt(1 + c ^ 2) - 2 * a + abs(d)"}}}
            """);
        var random = new Random(5);
        var data = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, rows).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();
        var noise = Propagator.Abduct(model, data);
        var baseline = (double[]?[])data.Clone();

        var whole = (double[]?[])baseline.Clone();
        whole[1] = data[1].Select(x => x * 1.5).ToArray();
        var delta = (double[]?[])whole.Clone();
        Propagator.Propagate(model, [4], noise, whole, rows);
        Propagator.Propagate(model, [4], noise, delta, rows, baseline: baseline);

        for (var r = 0; r < rows; r++) Assert.Equal(whole[4]![r], delta[4]![r], 1e-12);
        // And a linear node moved by its one moved weight.
        var linear = (double[]?[])baseline.Clone();
        linear[0] = data[0].Select(x => x - 1).ToArray();
        var linearWhole = (double[]?[])linear.Clone();
        Propagator.Propagate(model, [2], noise, linear, rows, baseline: baseline);
        Propagator.Propagate(model, [2], noise, linearWhole, rows);
        for (var r = 0; r < rows; r++) Assert.Equal(linearWhole[2]![r], linear[2]![r], 1e-12);
    }
}
