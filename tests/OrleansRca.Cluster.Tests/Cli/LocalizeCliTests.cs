namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>The localize verb through an embedded silo: the core's document, exit 2 naming the problem.</summary>
[Collection("console")]
public sealed class LocalizeCliTests : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _dir = Directory.CreateTempSubdirectory("rca-loc-").FullName;

    private const string Model = """
        {"nodes":[{"name":"a"},{"name":"b"},{"name":"c","role":"outcome"}],"edges":[["a","b"],["b","c"],["a","c"]],
         "mechanisms":{"c":{"kind":"linear","intercept":0,"weights":{"b":1,"a":0.5}}}}
        """;

    public LocalizeCliTests()
    {
        var random = new Random(3);
        string Rows(int n, double shift) => "a,b,c\n" + string.Join("\n", Enumerable.Range(0, n).Select(_ =>
        {
            var a = random.NextDouble() * 2;
            var b = 1 + 2 * a + random.NextDouble() + shift;
            var c = b + 0.5 * a + random.NextDouble();
            return FormattableString.Invariant($"{a},{b},{c}");
        })) + "\n";
        File.WriteAllText(F("model.json"), Model);
        File.WriteAllText(F("normal.csv"), Rows(400, 0));
        File.WriteAllText(F("anomalies.csv"), Rows(6, 5));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    private static Task<CliRunner.Outcome> Localize(params string[] args) => CliRunner.RunAsync(["localize", .. args, "--format", "json"]);

    private string[] Files => ["--model", F("model.json"), "--normal", F("normal.csv"), "--anomalies", F("anomalies.csv")];

    private static string Core(string model, string normal, string anomalies, LocalizeOptions options) =>
        LocalizationJson.ToJson(Localizer.Run(LocalizationData.Parse(ModelFile.Parse(File.ReadAllText(model)), File.ReadAllText(normal), File.ReadAllText(anomalies), MissingPolicy.Error), options))
            .ToJsonString(Indented) + Environment.NewLine;

    [Fact]
    public async Task The_document_through_the_silo_equals_the_core_with_and_without_a_target()
    {
        var plain = await Localize(Files);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(Core(F("model.json"), F("normal.csv"), F("anomalies.csv"), new LocalizeOptions()), plain.Stdout);
        Assert.All(plain.Json["rows"]!.AsArray(), r => Assert.Contains("b", r!["root_causes"]!.AsArray().Select(x => (string?)x)));

        var target = await Localize([.. Files, "--target", "c"]);
        Assert.Equal(0, target.ExitCode);
        Assert.Equal(Core(F("model.json"), F("normal.csv"), F("anomalies.csv"), new LocalizeOptions { Target = "c" }), target.Stdout);
        Assert.All(target.Json["rows"]!.AsArray(), r => Assert.Equal("b", (string?)r!["ranking"]![0]!["node"]));
    }

    [Fact]
    public async Task Shapley_rows_are_attributed_by_row_grains_and_equal_the_core()
    {
        var outcome = await Localize([.. Files, "--method", "shapley", "--samples", "300"]);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(Core(F("model.json"), F("normal.csv"), F("anomalies.csv"), new LocalizeOptions { Method = RankingMethod.Shapley, Samples = 300 }), outcome.Stdout);
        var row = outcome.Json["rows"]![0]!;
        Assert.True((bool)row["attribution"]!["exact"]!);
        Assert.Equal("b", (string?)row["ranking"]![0]!["node"]);
    }

    private async Task ExpectBadInput(string mention, params string[] args)
    {
        var outcome = await Localize(args);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(mention, outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact] public Task Pi_out_of_range() => ExpectBadInput("pi must be in (0, 0.5)", [.. Files, "--pi", "0.5"]);
    [Fact] public Task Target_not_a_node() => ExpectBadInput("'website'", [.. Files, "--target", "website"]);
    [Fact] public Task Unknown_method() => ExpectBadInput("noise or shapley", [.. Files, "--method", "lime"]);

    [Fact]
    public Task Anomalies_lacking_a_model_column()
    {
        File.WriteAllText(F("short.csv"), "a,b\n1,2\n");
        return ExpectBadInput("'c'", "--model", F("model.json"), "--normal", F("normal.csv"), "--anomalies", F("short.csv"));
    }

    [Fact]
    public Task All_missing_normal_column()
    {
        File.WriteAllText(F("empty-b.csv"), "a,b,c\n1,,3\n2,,4\n3,,5\n");
        return ExpectBadInput("'b'", "--model", F("model.json"), "--normal", F("empty-b.csv"), "--anomalies", F("anomalies.csv"), "--missing", "mean");
    }
}
