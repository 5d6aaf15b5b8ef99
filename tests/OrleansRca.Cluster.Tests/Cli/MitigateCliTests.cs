namespace OrleansRca.Cluster.Tests.Cli;

/// <summary>The mitigate verb through the embedded silo (rows batched over mitigation grains) against the core.</summary>
[Collection("console")]
public sealed class MitigateCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rca-mitigate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string F(string name) => Path.Combine(_dir, name);

    [Fact]
    public async Task ClusterDocumentEqualsTheCore()
    {
        var scm = new LoanScm();
        var normal = scm.Generate(2000, 0, seed: 5);
        var anomalies = scm.Generate(0, 300, seed: 6); // three batches of MitigationWorkflow.BatchRows
        File.WriteAllText(F("model.json"), LoanScm.ModelJson().ToJsonString());
        File.WriteAllText(F("normal.csv"), SyntheticData.ToCsv(normal.Data));
        File.WriteAllText(F("anomalies.csv"), SyntheticData.ToCsv(anomalies.Data));
        var outcome = await CliRunner.RunAsync(["mitigate", "--model", F("model.json"), "--normal", F("normal.csv"), "--anomalies", F("anomalies.csv"),
            "--detector", "pca", "--alpha", "0.9", "--format", "json"]);
        Assert.Equal(0, outcome.ExitCode);
        var core = Mitigator.Run(LocalizationData.Create(LoanScm.Model(), normal.Data, anomalies.Data, MissingPolicy.Error),
            new MitigationOptions { Detector = DetectorKind.Pca, Alpha = 0.9 });
        Assert.Equal(MitigationJson.ToJson(core).ToJsonString(), outcome.Json.ToJsonString());
        Assert.Equal(300, outcome.Json["rows"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("--alpha", "0", "alpha")]
    [InlineData("--detector", "svdd", "unknown detector 'svdd'")]
    [InlineData("--cost", "ghost=1", "'ghost'")]
    public async Task BadOptionsAreExitTwo(string option, string value, string mention)
    {
        File.WriteAllText(F("model.json"), LoanScm.ModelJson().ToJsonString());
        File.WriteAllText(F("normal.csv"), SyntheticData.ToCsv(new LoanScm().Generate(50, 0, seed: 1).Data));
        var outcome = await CliRunner.RunAsync(["mitigate", "--model", F("model.json"), "--normal", F("normal.csv"), "--anomalies", F("normal.csv"), option, value, "--format", "json"]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(mention, outcome.Stderr);
    }
}
