namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>The marginals and disentangle verbs through an embedded silo: exit codes, messages, and the JSON document byte for byte.</summary>
[Collection("console")]
public sealed class DiscreteCliTests : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly string _dir = Directory.CreateTempSubdirectory("rca-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Asia => Path.Combine(AppContext.BaseDirectory, "data", "bif", "asia.bif");

    /// <summary>What the verb printed before it went through the cluster: the core's document, indented, one line ending.</summary>
    private static string Printed(JsonNode document) => document.ToJsonString(Indented) + Environment.NewLine;

    [Fact]
    public async Task Marginals_under_an_intervention_exits_0_with_the_cores_document()
    {
        var outcome = await CliRunner.RunAsync("marginals", "--network", Asia, "--do", "smoke=yes", "--format", "json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        // Oracle: ExactInference.Marginals in this process, printed as the verb printed it; exact text.
        var expected = TestDiscrete.CoreResult(AnalysisKinds.Marginals, TestDiscrete.Marginals(TestDiscrete.Bif("asia"), "smoke=yes"));
        Assert.Equal(Printed(expected), outcome.Stdout);
        Assert.Equal(1.0, (double)outcome.Json["marginals"]!["smoke"]!["yes"]!);
        Assert.Equal(0.0, (double)outcome.Json["marginals"]!["smoke"]!["no"]!);
        Assert.Equal("smoke", (string?)outcome.Json["do"]!["node"]);
    }

    [Fact]
    public async Task Marginals_with_an_unknown_state_exits_2_naming_it()
    {
        var outcome = await CliRunner.RunAsync("marginals", "--network", Asia, "--do", "smoke=perhaps", "--format", "json");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("'perhaps'", outcome.Stderr, StringComparison.Ordinal);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task Marginals_of_a_missing_file_exits_2_naming_it()
    {
        var outcome = await CliRunner.RunAsync("marginals", "--network", Path.Combine(_dir, "nope.bif"), "--format", "json");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("nope.bif", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disentangle_exits_0_with_the_cores_document_and_2_on_a_mixture_naming_an_unknown_node()
    {
        var mixture = TestDiscrete.AlarmMixture(6, 13);
        var mixturePath = Path.Combine(_dir, "mixture.json");
        var alarm = Path.Combine(AppContext.BaseDirectory, "data", "bif", "alarm.bif");
        File.WriteAllText(mixturePath, mixture.ToJsonString());

        var outcome = await CliRunner.RunAsync("disentangle", "--network", alarm, "--mixture", mixturePath, "--format", "json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        // Oracle: MixtureSolver.Solve in this process, printed as the verb printed it; exact text.
        var expected = TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, TestDiscrete.Disentanglement(TestDiscrete.Alarm, mixture));
        Assert.Equal(Printed(expected), outcome.Stdout);

        mixture["marginals"]!["NOSUCHNODE"] = new JsonObject { ["x"] = 1.0 };
        File.WriteAllText(mixturePath, mixture.ToJsonString());
        var bad = await CliRunner.RunAsync("disentangle", "--network", alarm, "--mixture", mixturePath, "--format", "json");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'NOSUCHNODE'", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal("", bad.Stdout);
    }
}
