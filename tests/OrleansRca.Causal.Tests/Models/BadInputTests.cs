namespace OrleansRca.Causal.Tests.Models;

/// <summary>Every kind of bad input is an InputException whose message names the problem.</summary>
public sealed class BadInputTests
{
    private const string Nodes = """
        "nodes": [{"name":"T","role":"treatment"},{"name":"M","role":"mediator"},{"name":"O","role":"outcome"}]
        """;

    private static string Model(string edges, string mechanisms = "{}") =>
        $$"""{ {{Nodes}}, "edges": {{edges}}, "mechanisms": {{mechanisms}} }""";

    private static void Rejects(string model, params string[] mentions)
    {
        var e = Assert.Throws<InputException>(() => ModelFile.Parse(model));
        foreach (var m in mentions) Assert.Contains(m, e.Message);
    }

    [Fact] public void Cycle() => Rejects(Model("""[["T","M"],["M","O"],["O","M"]]"""), "cycle", "M -> O -> M");
    [Fact] public void SelfLoop() => Rejects(Model("""[["T","M"],["M","M"]]"""), "self-loop", "'M'");
    [Fact] public void UnknownNodeInEdge() => Rejects(Model("""[["T","M"],["ghost","O"]]"""), "unknown node", "'ghost'");
    [Fact] public void DuplicateNode() => Rejects("""{"nodes":[{"name":"A"},{"name":"A"}],"edges":[]}""", "duplicate node", "'A'");
    [Fact] public void DuplicateEdge() => Rejects(Model("""[["T","M"],["T","M"]]"""), "duplicate edge");
    [Fact] public void FormulaNamingANonParent() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"formula","expression":"T + M"}}"""), "'T'", "not a parent of 'O'");
    [Fact] public void FormulaCallingAMethod() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"formula","expression":"M.GetType()"}}"""), "unexpected '.'");
    [Fact] public void FormulaCallingAnUnknownFunction() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"formula","expression":"system(M)"}}"""), "'system'", "not an allowed function");
    [Fact] public void FormulaWithWrongArity() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"formula","expression":"max(M)"}}"""), "'max'", "takes 2");
    [Fact] public void LinearWeightOnANonParent() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"linear","intercept":0,"weights":{"T":1}}}"""), "'T'", "not a parent");
    [Fact] public void UnknownMechanismKind() =>
        Rejects(Model("""[["T","M"],["M","O"]]""", """{"O":{"kind":"neural"}}"""), "'neural'");
    [Fact] public void MalformedJson() => Rejects("{ nodes: ", "not valid JSON");
    [Fact] public void UnknownRole() => Rejects("""{"nodes":[{"name":"A","role":"boss"}]}""", "'boss'");

    private static readonly CausalModel Simple = ModelFile.Parse(Model("""[["T","M"],["M","O"],["T","O"]]"""));

    private static void RejectsData(string csv, params string[] mentions)
    {
        var e = Assert.Throws<InputException>(() => CsvData.ParseFor(Simple, csv));
        foreach (var m in mentions) Assert.Contains(m, e.Message);
    }

    [Fact] public void MissingColumn() => RejectsData("T,M\n1,2\n", "no column 'O'");
    [Fact] public void NonNumericCell() => RejectsData("T,M,O\n1,2,3\n1,abc,3\n", "column 'M', row 2", "'abc'");
    [Fact] public void NaNCell() => RejectsData("T,M,O\n1,2,3\n1,NaN,3\n", "column 'M', row 2", "finite");
    [Fact] public void InfinityCell() => RejectsData("T,M,O\n1,2,Infinity\n", "column 'O', row 1", "finite");
    [Fact] public void EmptyData() => RejectsData("T,M,O\n", "no data rows");
    [Fact] public void EmptyFile() => RejectsData("", "empty");

    [Fact]
    public void BinaryNodeWithOtherValues()
    {
        var model = ModelFile.Parse("""{"nodes":[{"name":"A","type":"binary"}]}""");
        var e = Assert.Throws<InputException>(() => CsvData.ParseFor(model, "A\n1\n0.5\n"));
        Assert.Contains("not 0 or 1", e.Message);
    }

    [Fact]
    public void CollinearParentsInAFit()
    {
        var model = ModelFile.Parse("""{"nodes":[{"name":"A"},{"name":"B"},{"name":"C"}],"edges":[["A","C"],["B","C"]]}""");
        var data = CsvData.ParseFor(model, "A,B,C\n1,2,1\n2,4,3\n3,6,2\n4,8,5\n");
        var e = Assert.Throws<InputException>(() => LeastSquares.FitMissing(model, data));
        Assert.Contains("collinear", e.Message);
        Assert.Contains("'B'", e.Message);
    }

    [Fact]
    public void TooFewRowsForAFit()
    {
        var model = ModelFile.Parse("""{"nodes":[{"name":"A"},{"name":"B"},{"name":"C"}],"edges":[["A","C"],["B","C"]]}""");
        var data = CsvData.ParseFor(model, "A,B,C\n1,2,1\n2,5,3\n");
        Assert.Contains("too few", Assert.Throws<InputException>(() => LeastSquares.FitMissing(model, data)).Message);
    }

    [Theory]
    [InlineData("+fifty%")]
    [InlineData("50%")]
    [InlineData("++5")]
    [InlineData("=")]
    [InlineData("")]
    [InlineData("+5%%")]
    public void MalformedSpec(string spec) =>
        Assert.Contains("not a valid value spec", Assert.Throws<InputException>(() => InterventionSpec.Parse(spec, "--treated")).Message);

    [Theory]
    [InlineData("+50%", 3.0, 4.5)]
    [InlineData("-20%", 5.0, 4.0)]
    [InlineData("+2.5", 1.0, 3.5)]
    [InlineData("-1", 1.0, 0.0)]
    [InlineData("=1", 7.0, 1.0)]
    [InlineData("=-2.5e1", 7.0, -25.0)]
    [InlineData("observed", 7.0, 7.0)]
    public void Specs(string spec, double observed, double expected) =>
        Assert.Equal(expected, InterventionSpec.Parse(spec).Apply(observed), 1e-12);

    [Fact]
    public void UnknownTreatmentOption()
    {
        var e = Assert.Throws<InputException>(() => MediationPlan.Create(Simple, new MediationOptions { Treatments = ["X"] }));
        Assert.Contains("'X'", e.Message);
    }

    [Fact]
    public void NodeBothTreatmentAndMediator()
    {
        var e = Assert.Throws<InputException>(() => MediationPlan.Create(Simple, new MediationOptions { Treatments = ["M"] }));
        Assert.Contains("both a treatment and a mediator", e.Message);
    }
}
