namespace OrleansRca.Causal.Tests.Models;

/// <summary>Compiled vectorized formulas against hand-computed values and the row interpreter.</summary>
public sealed class FormulaTests
{
    [Theory]
    [InlineData("1 + 2 * 3", 7.0)]
    [InlineData("2 ^ 3 ^ 2", 512.0)]          // right-associative
    [InlineData("-2 ^ 2", -4.0)]              // ^ binds tighter than unary minus
    [InlineData("2 ^ -1", 0.5)]
    [InlineData("(1 + 2) * 3", 9.0)]
    [InlineData("10 / 4 - 1", 1.5)]
    [InlineData("max(1, 2) + min(3, -4)", -2.0)]
    [InlineData("pow(2, 10)", 1024.0)]
    [InlineData("abs(-3) + sqrt(16)", 7.0)]
    [InlineData("1.5e2 + .5", 150.5)]
    public void Constants(string expression, double expected) =>
        Assert.Equal(expected, Formula.Compile(expression, [], "n").Evaluate([]), 1e-12);

    [Fact]
    public void BracketedNamesAndFunctions()
    {
        string[] vars = ["Product DB", "x"];
        var f = Formula.Compile("0.5 * [Product DB] + sigmoid(x) - tanh(x) * exp(0.1 * x) + log(x)", vars, "n");
        double[] pdb = [1, 2, 3, -4, 0.5];
        double[] x = [0.5, 1, 2, 3, 10];
        var output = new double[5];
        f.Evaluate(new ReadOnlyMemory<double>[] { pdb, x }, output);
        for (var r = 0; r < 5; r++)
        {
            var expected = 0.5 * pdb[r] + 1 / (1 + Math.Exp(-x[r])) - Math.Tanh(x[r]) * Math.Exp(0.1 * x[r]) + Math.Log(x[r]);
            Assert.Equal(expected, output[r], 1e-13);
            Assert.Equal(expected, f.Evaluate([pdb[r], x[r]]), 1e-13);
        }
    }

    [Fact]
    public void BatchOfManyRowsMatchesTheRowInterpreter()
    {
        string[] vars = ["a", "b", "c"];
        var f = Formula.Compile("(a - b) / (1 + c ^ 2) + max(a, 0.3) * min(b, c) + a ^ 3 - pow(abs(b), 0.5)", vars, "n");
        var random = new Random(3);
        var cols = vars.Select(_ => Enumerable.Range(0, 5000).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();
        var output = new double[5000];
        f.Evaluate(cols.Select(c => (ReadOnlyMemory<double>)c).ToArray(), output);
        for (var r = 0; r < 5000; r++)
            Assert.Equal(f.Evaluate([cols[0][r], cols[1][r], cols[2][r]]), output[r], 1e-12);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a +", "ends unexpectedly")]
    [InlineData("(a", "')'")]
    [InlineData("a b", "unexpected 'b'")]
    [InlineData("a; b", "unexpected ';'")]
    [InlineData("[unclosed", "unclosed '['")]
    [InlineData("exp", "without arguments")]
    [InlineData("System.IO.File", "not a parent")]
    [InlineData("a = 1", "unexpected '='")]
    [InlineData("\"text\"", "unexpected '\"'")]
    public void Rejected(string expression, string mention) =>
        Assert.Contains(mention, Assert.Throws<InputException>(() => Formula.Compile(expression, ["a"], "n")).Message);
}
