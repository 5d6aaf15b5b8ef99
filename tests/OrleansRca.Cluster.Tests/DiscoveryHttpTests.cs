namespace OrleansRca.Cluster.Tests;

/// <summary><c>POST /v1/analyses/discovery</c> on the <c>serve</c> process: node grains screen and score, the search runs on the orchestrator's silo.</summary>
public sealed class DiscoveryHttpTests(ServerFixture fixture) : ServerTests(fixture)
{
    private static JsonObject Request(InterventionalInstance instance) => new()
    {
        ["data"] = new JsonArray([.. instance.Data.Select(d => (JsonNode?)SyntheticData.ToCsv(d))]),
        ["names"] = new JsonArray([.. instance.Sources.Select(s => (JsonNode?)s)]),
        ["forbid"] = "X1->X2",
        ["tiers"] = new JsonArray(new JsonArray("X0", "X3"), "X5, X6"),
        ["model"] = true,
    };

    [Fact]
    public async Task Discovery_on_the_cluster_equals_the_core()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting { Nodes = 12, ExpectedEdges = 18, Regimes = 4, RowsPerRegime = 30 }, 17);
        var request = Request(instance);

        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Discovery, request);

        // Oracle: the core on one machine, from the same body (what `discover --format json` printed before the cluster).
        var core = DiscoveryRequest.Parse(request);
        JsonAssert.Equal(core.ToJson(core.Run()), document["result"]);
        Assert.NotEmpty(document["result"]!["edges"]!.AsArray());
        Assert.Equal(4, document["result"]!["targets"]!.AsObject().Count);
    }

    [Fact]
    public async Task A_regime_with_other_columns_is_400_naming_it()
    {
        var instance = InterventionalData.Generate(new InterventionalSetting { Nodes = 5, ExpectedEdges = 5, Regimes = 1 }, 3);
        var request = Request(instance);
        var csv = SyntheticData.ToCsv(instance.Data[1]).Replace("X4", "Y4");
        request["data"]![1] = csv;
        var response = await Http.PostAsync($"/v1/analyses/{AnalysisKinds.Discovery}", Json(request));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("regime1 lacks column(s) 'X4'", problem);
    }
}
