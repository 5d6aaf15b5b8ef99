namespace OrleansRca.Cluster.Tests;

public sealed class MitigationHttpTests(ServerFixture fixture) : ServerTests(fixture)
{
    [Fact]
    public async Task Mitigation_over_http_equals_the_core()
    {
        var scm = new LoanScm();
        var normal = scm.Generate(1500, 0, seed: 8);
        var anomalies = scm.Generate(0, 200, seed: 9);
        var request = new JsonObject
        {
            ["model"] = LoanScm.ModelJson(),
            ["normal"] = SyntheticData.ToCsv(normal.Data),
            ["anomalies"] = SyntheticData.ToCsv(anomalies.Data),
            ["cost"] = new JsonObject { ["S"] = 2.0 },
        };
        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Mitigation, request);
        var core = Mitigator.Run(LocalizationData.Create(LoanScm.Model(), normal.Data, anomalies.Data, MissingPolicy.Error),
            new MitigationOptions { CostScale = new Dictionary<string, double> { ["S"] = 2.0 } });
        Assert.Equal(MitigationJson.ToJson(core).ToJsonString(), document["result"]!.ToJsonString());
    }
}
