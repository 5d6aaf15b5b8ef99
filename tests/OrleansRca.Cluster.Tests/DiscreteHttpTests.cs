namespace OrleansRca.Cluster.Tests;

/// <summary><c>POST /v1/analyses/marginals</c> and <c>/v1/analyses/disentanglement</c> on the <c>serve</c> process.</summary>
[Collection(ServerCollection.Name)]
public sealed class DiscreteHttpTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<JsonObject> SubmitAndPollAsync(string kind, JsonObject request)
    {
        var post = await Http.PostAsync($"/v1/analyses/{kind}", Json(request));
        Assert.True(post.StatusCode == HttpStatusCode.Accepted, $"{post.StatusCode}: {await post.Content.ReadAsStringAsync()}");
        var accepted = (await post.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (string)accepted["id"]!;
        Assert.Equal($"/v1/analyses/{id}", post.Headers.Location?.OriginalString);

        JsonObject document;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(50);
            document = (await Http.GetFromJsonAsync<JsonObject>(post.Headers.Location))!;
            Assert.Equal(id, (string?)document["id"]);
            Assert.Equal(kind, (string?)document["kind"]);
            Assert.InRange((double)document["progress"]!, 0, 1);
        }
        while ((string?)document["status"] is "queued" or "running" && DateTime.UtcNow < deadline);
        Assert.True((string?)document["status"] == "succeeded", document.ToJsonString());
        return document;
    }

    [Fact]
    public async Task Marginals_post_answers_202_and_polling_gives_the_verbs_document()
    {
        var request = TestDiscrete.Marginals(TestDiscrete.Bif("asia"), "smoke=yes");

        var document = await SubmitAndPollAsync(AnalysisKinds.Marginals, request);

        // Oracle: ExactInference in this process (what `marginals --format json` prints); tolerance 1e-12 relative.
        JsonAssert.Equal(TestDiscrete.CoreResult(AnalysisKinds.Marginals, request), document["result"]);
        Assert.Equal(1.0, (double)document["result"]!["marginals"]!["smoke"]!["yes"]!);
    }

    [Fact]
    public async Task Disentanglement_post_answers_202_and_polling_gives_the_verbs_document()
    {
        var request = TestDiscrete.Disentanglement(TestDiscrete.Alarm, TestDiscrete.AlarmMixture(12, 21));

        var document = await SubmitAndPollAsync(AnalysisKinds.Disentanglement, request);

        // Oracle: MixtureSolver.Solve in this process (what `disentangle --format json` prints); tolerance 1e-12 relative.
        JsonAssert.Equal(TestDiscrete.CoreResult(AnalysisKinds.Disentanglement, request), document["result"]);
    }

    [Theory]
    [InlineData("marginals", "unknown-state", "has no state 'PERHAPS'")]
    [InlineData("marginals", "broken-bif", "network:")]
    [InlineData("disentanglement", "unknown-mixture-node", "unknown node 'NOSUCHNODE'")]
    [InlineData("disentanglement", "mixture-not-summing-to-1", "'HISTORY'")]
    [InlineData("disentanglement", "no-mixture", "'mixture'")]
    public async Task Bad_input_is_400_problem_json_naming_the_problem(string kind, string problem, string mention)
    {
        var response = await Http.PostAsync($"/v1/analyses/{kind}", Json(DiscreteClusterTests.BadRequest(kind, problem)));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, mention);
    }

    [Fact]
    public async Task Malformed_json_is_400_problem_json()
    {
        var response = await Http.PostAsync("/v1/analyses/disentanglement", new StringContent("{\"network\": \"net", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "not valid JSON");
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.Contains(detailContains, (string?)problem["detail"] ?? "", StringComparison.Ordinal);
    }
}
