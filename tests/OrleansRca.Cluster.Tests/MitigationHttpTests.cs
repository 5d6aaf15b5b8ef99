namespace OrleansRca.Cluster.Tests;

public sealed class MitigationHttpTests(ServerFixture fixture) : ServerTests(fixture)
{
    [Fact]
    public async Task Mitigation_over_http_equals_the_core()
    {
        var (request, data) = Loan(200, seed: 8);
        request["cost"] = new JsonObject { ["S"] = 2.0 };
        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Mitigation, request);
        var core = Mitigator.Run(data, new MitigationOptions { CostScale = new Dictionary<string, double> { ["S"] = 2.0 } });
        Assert.Equal(MitigationJson.ToJson(core).ToJsonString(), document["result"]!.ToJsonString());
    }

    /// <summary>
    /// The action scope and a deep target travel through the cluster: every controllable node may act, and rows whose
    /// alpha x threshold is out of reach go to their deepest normal point, as in the core.
    /// </summary>
    [Fact]
    public async Task Acting_on_every_controllable_node_over_http_equals_the_core()
    {
        var (request, data) = Loan(120, seed: 10);
        request["act-on"] = "controllable";
        request["alpha"] = 0.1;
        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Mitigation, request);
        var core = Mitigator.Run(data, new MitigationOptions { ActOn = ActionScope.Controllable, Alpha = 0.1 });
        Assert.Equal(MitigationJson.ToJson(core).ToJsonString(), document["result"]!.ToJsonString());
        Assert.Equal("controllable", (string?)document["result"]!["act_on"]);
        Assert.Contains(document["result"]!["rows"]!.AsArray(), r => (string?)r!["status"] == "deepest");

        request["act-on"] = "everything";
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/mitigation", Json(request)), HttpStatusCode.BadRequest, "root-causes or controllable");
    }

    /// <summary>
    /// A model with categorical nodes (the Adult SCM's skeleton, fitted on the silo): the rows' batches on the mitigation
    /// grains hold their actions for every code the rows' intervals allow, as the core does, and some row is solved.
    /// </summary>
    [Fact]
    public async Task Coded_nodes_over_http_equal_the_core()
    {
        var scm = new AdultScm();
        var normal = scm.Generate(1500, 0, 3);
        var anomalies = scm.Generate(0, 150, 4);
        var request = new JsonObject
        {
            ["model"] = ModelFile.ToJson(scm.Skeleton()),
            ["normal"] = SyntheticData.ToCsv(normal.Data),
            ["anomalies"] = SyntheticData.ToCsv(anomalies.Data),
            ["act-on"] = "controllable",
        };
        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Mitigation, request);
        var core = Mitigator.Run(LocalizationData.Create(scm.Skeleton(), normal.Data, anomalies.Data, MissingPolicy.Error),
            new MitigationOptions { ActOn = ActionScope.Controllable });
        Assert.Equal(MitigationJson.ToJson(core).ToJsonString(), document["result"]!.ToJsonString());
        Assert.Contains(core.Rows, r => r.Status == MitigationStatus.Solved);
    }

    /// <summary>1,500 normal Loan rows (seed) and some anomalies (seed + 1): the HTTP body and the core's inputs.</summary>
    private static (JsonObject Request, LocalizationData Data) Loan(int anomalyRows, int seed)
    {
        var scm = new LoanScm();
        var normal = scm.Generate(1500, 0, seed);
        var anomalies = scm.Generate(0, anomalyRows, seed + 1);
        var request = new JsonObject
        {
            ["model"] = LoanScm.ModelJson(),
            ["normal"] = SyntheticData.ToCsv(normal.Data),
            ["anomalies"] = SyntheticData.ToCsv(anomalies.Data),
        };
        return (request, LocalizationData.Create(LoanScm.Model(), normal.Data, anomalies.Data, MissingPolicy.Error));
    }
}
