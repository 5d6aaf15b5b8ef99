namespace OrleansRca.Cluster.Tests;

public sealed class HttpApiTests(ServerFixture fixture) : ServerTests(fixture)
{
    [Fact]
    public async Task Post_answers_202_with_a_location_and_polling_it_gives_the_core_result()
    {
        var request = TestAnalyses.Request(rows: 600, seed: 11);

        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Mediation, request);

        Assert.Null(document["error"]);
        // Oracle: MediationEngine.Run on the same request; tolerance 1e-12 relative.
        JsonAssert.Equal(TestAnalyses.CoreResult(request), document["result"]);
    }

    [Fact]
    public async Task A_localization_runs_on_the_cluster_and_equals_the_core()
    {
        var random = new Random(5);
        string Rows(int n, double shift) => "a,b\n" + string.Join("\n", Enumerable.Range(0, n).Select(_ =>
        {
            var a = random.NextDouble();
            return FormattableString.Invariant($"{a},{2 * a + random.NextDouble() + shift}");
        })) + "\n";
        var model = JsonNode.Parse("""{"nodes":[{"name":"a"},{"name":"b"}],"edges":[["a","b"]]}""")!.AsObject();
        var request = new JsonObject { ["model"] = model, ["normal"] = Rows(300, 0), ["anomalies"] = Rows(4, 3), ["target"] = "b" };
        var core = LocalizationJson.ToJson(OrleansRca.Causal.RootCause.Localizer.Run(
            OrleansRca.Causal.RootCause.LocalizationData.Parse(OrleansRca.Causal.Models.ModelFile.FromJson(model), (string)request["normal"]!, (string)request["anomalies"]!,
                OrleansRca.Causal.Data.MissingPolicy.Error), new OrleansRca.Causal.RootCause.LocalizeOptions { Target = "b" }));

        var post = await Http.PostAsync("/v1/analyses/localization", Json(request));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var document = await HttpAssert.SucceededAsync(Http, post.Headers.Location!);
        Assert.Equal("localization", (string?)document["kind"]);
        Assert.Equal(core.ToJsonString(), document["result"]!.ToJsonString());
        Assert.All(document["result"]!["rows"]!.AsArray(), r => Assert.Equal("b", (string?)r!["ranking"]![0]!["node"]));

        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/localization", Json(new JsonObject { ["model"] = model.DeepClone(), ["normal"] = Rows(10, 0), ["anomalies"] = Rows(2, 0), ["pi"] = 0.6 })),
            HttpStatusCode.BadRequest, "pi must be in (0, 0.5)");
    }

    /// <summary>
    /// Noise coupling across node grains: each grain ships its node's normal noise, the workflow couples them. On
    /// PetShop availability train issue 4 the graph does not connect PetSearch to PetSite's view of its balancer,
    /// whose noises move together in normal operation: PetSearch comes first, as in the core.
    /// </summary>
    [Fact]
    public async Task A_petshop_alert_couples_noises_across_node_grains_and_equals_the_core()
    {
        string Data(params string[] parts) => File.ReadAllText(Path.Combine([AppContext.BaseDirectory, "data", "petshop-low-traffic", .. parts]));
        var model = JsonNode.Parse(Data("model-availability.json"))!.AsObject();
        var request = new JsonObject
        {
            ["model"] = model, ["normal"] = Data("normal-availability.csv"), ["anomalies"] = Data("train-issue_4", "anomalies.csv"),
            ["target"] = "PetSite", ["missing"] = "mean",
        };
        var core = LocalizationJson.ToJson(OrleansRca.Causal.RootCause.Localizer.Run(
            OrleansRca.Causal.RootCause.LocalizationData.Parse(OrleansRca.Causal.Models.ModelFile.FromJson(model), (string)request["normal"]!, (string)request["anomalies"]!,
                OrleansRca.Causal.Data.MissingPolicy.Mean), new OrleansRca.Causal.RootCause.LocalizeOptions { Target = "PetSite" }));

        var document = await HttpAssert.RunAsync(Http, AnalysisKinds.Localization, request);

        Assert.Equal(core.ToJsonString(), document["result"]!.ToJsonString());
        var first = document["result"]!["rows"]![2]!["ranking"]![0]!;
        Assert.Equal("PetSearch_AWS::ECS::Fargate", (string?)first["node"]);
        Assert.Equal("servi-searc.us-west-2.elb.amazonaws.com_remote", (string?)first["moved_with"]![0]);
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_json()
    {
        var response = await Http.PostAsync("/v1/analyses/mediation", Json("{\"model\": [1, 2"));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "not valid JSON");
    }

    [Fact]
    public async Task Missing_data_column_is_400_naming_the_column()
    {
        var request = TestAnalyses.Request(rows: 20);
        request["data"] = ((string)request["data"]!).Replace("M2,", "M2_renamed,", StringComparison.Ordinal);

        var response = await Http.PostAsync("/v1/analyses/mediation", Json(request));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "'M2'");
    }

    [Fact]
    public async Task Unknown_ids_are_404_problem_json()
    {
        await HttpAssert.ProblemAsync(await Http.GetAsync($"/v1/analyses/{GrainKeys.NewAnalysisId()}"), HttpStatusCode.NotFound, "no analysis");
        await HttpAssert.ProblemAsync(await Http.GetAsync("/v1/analyses/not%20an%20id"), HttpStatusCode.NotFound, "no analysis");
    }

    [Fact]
    public async Task Unknown_kind_is_404_and_every_contract_kind_is_served()
    {
        await HttpAssert.ProblemAsync(await Http.PostAsync("/v1/analyses/astrology", Json(new JsonObject())), HttpStatusCode.NotFound, "astrology");
        // Every kind of contract section 6 runs on the cluster: an empty body is bad input for each, never "not supported".
        foreach (var kind in new[] { "mediation", "localization", "mitigation", "disentanglement", "discovery" })
        {
            var response = await Http.PostAsync($"/v1/analyses/{kind}", Json(new JsonObject()));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("not supported", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var body = new JsonObject { ["model"] = new JsonObject(), ["data"] = new string('x', 2 * 1024 * 1024) };

        var response = await Http.PostAsync("/v1/analyses/mediation", Json(body));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, null);
    }

    [Fact]
    public async Task OpenApi_document_and_health_answer_200()
    {
        var openApi = await Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var document = (await openApi.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(document["paths"]?["/v1/analyses/mediation"]);
        Assert.NotNull(document["paths"]?["/v1/analyses/{id}"]);

        var health = await Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_runner_connected_to_the_gateway_returns_the_core_result()
    {
        await using var runner = await RcaHost.StartConfiguredRunnerAsync(
            new RunnerOptions { ClusterAddress = $"127.0.0.1:{Server.Options.GatewayPort}", ClusterId = Server.Options.ClusterId },
            CancellationToken.None);
        var request = TestAnalyses.Request(rows: 300, seed: 12);

        var result = await runner.RunAsync(AnalysisKinds.Mediation, request, null, CancellationToken.None);

        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
    }
}
