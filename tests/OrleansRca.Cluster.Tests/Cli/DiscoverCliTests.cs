namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>The discover verb through an embedded silo: the document, the model file that mediate accepts, bad input.</summary>
[Collection("console")]
public sealed class DiscoverCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rca-discover-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // a -> b -> c; the regime replaces b by a draw around 4 (the conformance case).
    private string Write(string name, int rows, int seed, bool intervened, bool constantC = false)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var csv = new StringBuilder("a,b,c\n");
        for (var r = 0; r < rows; r++)
        {
            var a = Normal();
            var b = intervened ? 4 + Normal() : 1.5 * a + 0.5 * Normal();
            var c = constantC ? 2.0 : -b + 0.5 * Normal();
            csv.Append(CultureInfo.InvariantCulture, $"{a:R},{b:R},{c:R}\n");
        }
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, csv.ToString());
        return path;
    }

    [Fact]
    public async Task Discover_exits_0_and_its_model_feeds_mediate()
    {
        var observational = Write("obs.csv", 1000, 1, false);
        var regime = Write("r1.csv", 200, 2, true);
        var model = Path.Combine(_dir, "model.json");

        var outcome = await CliRunner.RunAsync("discover", "--data", observational, "--data", regime, "--out", model, "--format", "json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var edges = outcome.Json["edges"]!.AsArray().Select(e => ((string)e![0]!, (string)e[1]!)).ToList();
        Assert.Equal([("a", "b"), ("b", "c")], edges);
        Assert.Equal(["b"], outcome.Json["targets"]![regime]!.AsArray().Select(t => (string)t!).ToArray());
        Assert.Null(outcome.Json["model"]);
        var written = ModelFile.Load(model);
        Assert.Equal(2, written.Graph.EdgeCount);

        var mediated = await CliRunner.RunAsync("mediate", "--model", model, "--data", observational,
            "--treatment", "a", "--mediator", "b", "--outcome", "c", "--treated=+1", "--format", "json");
        Assert.True(mediated.ExitCode == 0, mediated.Stderr);
        // The effect of a on c through b is 1.5 x -1 per unit of a, within sampling error.
        Assert.Equal(-1.5, (double)mediated.Json["nie"]![0]!["mean"]!, 0.1);
    }

    [Fact]
    public async Task Discover_with_a_constant_column_exits_2_naming_it()
    {
        var outcome = await CliRunner.RunAsync("discover", "--data", Write("obs.csv", 100, 3, false, constantC: true),
            "--data", Write("r1.csv", 20, 4, true, constantC: true), "--format", "json");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("column 'c' is constant", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }
}
