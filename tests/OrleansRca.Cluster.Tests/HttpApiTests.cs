using Microsoft.AspNetCore.Builder;

namespace OrleansRca.Cluster.Tests;

/// <summary>The <c>serve</c> process (silo + HTTP API) on a real Kestrel bound to 127.0.0.1, port 0.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServeOptions Options { get; } = new()
    {
        Urls = "http://127.0.0.1:0",
        SiloPort = RcaHost.FreeTcpPort(),
        GatewayPort = RcaHost.FreeTcpPort(),
        ClusterId = $"http-tests-{Guid.NewGuid():N}",
        // Small, so the 413 test need not send 64 MiB.
        MaxRequestBodyBytes = 1024 * 1024,
    };

    public WebApplication App { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = RcaHost.BuildServer(Options, builder => RcaHost.QuietLogging(builder.Logging));
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(App.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

[Collection(ServerCollection.Name)]
public sealed class HttpApiTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Post_answers_202_with_a_location_and_polling_it_gives_the_core_result()
    {
        var request = TestAnalyses.Request(rows: 600, seed: 11);

        var post = await Http.PostAsync("/v1/analyses/mediation", Json(request));

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var accepted = (await post.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (string)accepted["id"]!;
        Assert.Equal("queued", (string?)accepted["status"]);
        Assert.Equal($"/v1/analyses/{id}", post.Headers.Location?.OriginalString);

        JsonObject document;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(50);
            document = (await Http.GetFromJsonAsync<JsonObject>(post.Headers.Location))!;
            Assert.Equal(id, (string?)document["id"]);
            Assert.Equal("mediation", (string?)document["kind"]);
            Assert.InRange((double)document["progress"]!, 0, 1);
        }
        while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < deadline);

        Assert.Equal("succeeded", (string?)document["status"]);
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
        JsonObject document;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(50);
            document = (await Http.GetFromJsonAsync<JsonObject>(post.Headers.Location))!;
        }
        while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < deadline);
        Assert.Equal("succeeded", (string?)document["status"]);
        Assert.Equal("localization", (string?)document["kind"]);
        Assert.Equal(core.ToJsonString(), document["result"]!.ToJsonString());
        Assert.All(document["result"]!["rows"]!.AsArray(), r => Assert.Equal("b", (string?)r!["ranking"]![0]!["node"]));

        await AssertProblemAsync(await Http.PostAsync("/v1/analyses/localization", Json(new JsonObject { ["model"] = model.DeepClone(), ["normal"] = Rows(10, 0), ["anomalies"] = Rows(2, 0), ["pi"] = 0.6 })),
            HttpStatusCode.BadRequest, "pi must be in (0, 0.5)");
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_json()
    {
        var response = await Http.PostAsync("/v1/analyses/mediation", new StringContent("{\"model\": [1, 2", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "not valid JSON");
    }

    [Fact]
    public async Task Missing_data_column_is_400_naming_the_column()
    {
        var request = TestAnalyses.Request(rows: 20);
        request["data"] = ((string)request["data"]!).Replace("M2,", "M2_renamed,", StringComparison.Ordinal);

        var response = await Http.PostAsync("/v1/analyses/mediation", Json(request));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "'M2'");
    }

    [Fact]
    public async Task Unknown_ids_are_404_problem_json()
    {
        await AssertProblemAsync(await Http.GetAsync($"/v1/analyses/{GrainKeys.NewAnalysisId()}"), HttpStatusCode.NotFound, "no analysis");
        await AssertProblemAsync(await Http.GetAsync("/v1/analyses/not%20an%20id"), HttpStatusCode.NotFound, "no analysis");
    }

    [Fact]
    public async Task Unknown_kind_is_404_and_every_contract_kind_is_served()
    {
        await AssertProblemAsync(await Http.PostAsync("/v1/analyses/astrology", Json(new JsonObject())), HttpStatusCode.NotFound, "astrology");
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

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, null);
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
            new RunnerOptions { ClusterAddress = $"127.0.0.1:{fixture.Options.GatewayPort}", ClusterId = fixture.Options.ClusterId },
            CancellationToken.None);
        var request = TestAnalyses.Request(rows: 300, seed: 12);

        var result = await runner.RunAsync(AnalysisKinds.Mediation, request, null, CancellationToken.None);

        JsonAssert.Equal(TestAnalyses.CoreResult(request), result);
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        if (detailContains is not null)
            Assert.Contains(detailContains, (string?)problem["detail"] ?? "", StringComparison.Ordinal);
    }
}
